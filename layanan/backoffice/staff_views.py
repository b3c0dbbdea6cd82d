"""The district admin's management of staff accounts and of village offices."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts import rules as account_rules
from layanan.accounts.decorators import staff_required
from layanan.accounts.models import VILLAGE_ROLES, Role, User
from layanan.accounts.selectors import heads_of_village
from layanan.accounts.services import (
    staff_account_create,
    staff_account_set_active,
    staff_account_update,
    staff_password_link_send,
)
from layanan.accounts.two_factor import two_factor_reset
from layanan.backoffice import rules
from layanan.backoffice.forms import StaffCreateForm, StaffEditForm
from layanan.backoffice.readiness import certificate_statuses
from layanan.backoffice.views import letterhead_page
from layanan.core.errors import DomainError
from layanan.core.service_calls import service_call
from layanan.documents.forms import ADMIN_REVOCATION_REASONS, CertificateRevokeForm
from layanan.documents.models import RevocationReason
from layanan.documents.selectors import active_credential_of, latest_credential_of
from layanan.documents.services import signing_credential_revoke
from layanan.regions.models import Village
from layanan.regions.selectors import districts_of_deployment

staff_admin_required = staff_required(allowed=account_rules.can_manage_staff)
villages_admin_required = staff_required(allowed=rules.can_manage_villages)


def _staff_queryset():
    return User.objects.filter(role__in=VILLAGE_ROLES).select_related("village__district")


@staff_admin_required
@require_GET
def staff_list(request):
    staff = _staff_queryset()
    query = request.GET.get("q", "").strip()
    district = request.GET.get("kecamatan", "")
    if query:
        staff = staff.filter(
            Q(full_name__icontains=query)
            | Q(username__icontains=query)
            | Q(village__name__icontains=query)
        )
    if district:
        staff = staff.filter(village__district_id=district)
    if request.GET.get("nonaktif") != "1":
        staff = staff.filter(is_active=True)
    staff = staff.order_by("village__district__name", "village__name", "role", "full_name")
    page = Paginator(staff, 30).get_page(request.GET.get("page"))
    heads = [member for member in page.object_list if member.role == Role.HEAD]
    return render(
        request,
        "backoffice/staff_list.html",
        {
            "page": page,
            "certificates": certificate_statuses(heads),
            "query": query,
            "district": district,
            "districts": districts_of_deployment(),
        },
    )


@staff_admin_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    # The readiness checklist links here with the village and role to create.
    initial = {"role": request.GET.get("peran", ""), "village": request.GET.get("desa", "")}
    form = StaffCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form) as call:
            created = staff_account_create(actor=request.user, **form.cleaned_data)
        if call.succeeded:
            messages.success(
                request,
                _(
                    "The account %(username)s is created; a link to set the password was emailed.",
                )
                % {"username": created.username},
            )
            return redirect("backoffice:staff-edit", pk=created.pk)
    return render(request, "backoffice/staff_form.html", {"form": form})


@staff_admin_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk: int):
    staff = get_object_or_404(_staff_queryset(), pk=pk)
    initial = {"full_name": staff.full_name, "email": staff.email, "staff_nik": staff.staff_nik}
    form = StaffEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form) as call:
            staff_account_update(actor=request.user, staff=staff, **form.cleaned_data)
        if call.succeeded:
            messages.success(request, _("The account is saved."))
            return redirect("backoffice:staff-edit", pk=staff.pk)
    return _staff_page(request, staff, form=form)


def _staff_page(request, staff: User, *, form=None, revoke_form=None):
    if form is None:
        form = StaffEditForm(
            initial={
                "full_name": staff.full_name,
                "email": staff.email,
                "staff_nik": staff.staff_nik,
            }
        )
    if revoke_form is None:
        revoke_form = CertificateRevokeForm(reasons=ADMIN_REVOCATION_REASONS)
    return render(
        request,
        "backoffice/staff_edit.html",
        {
            "form": form,
            "staff": staff,
            "latest": latest_credential_of(staff),
            "credential": active_credential_of(staff),
            "revoke_form": revoke_form,
        },
    )


@staff_admin_required
@require_POST
def staff_certificate_revoke(request, pk: int):
    """The district admin revokes a head's signing certificate, with the reason."""
    staff = get_object_or_404(_staff_queryset(), pk=pk)
    form = CertificateRevokeForm(request.POST, reasons=ADMIN_REVOCATION_REASONS)
    if form.is_valid():
        with service_call(request, form=form) as call:
            revoked = signing_credential_revoke(
                actor=request.user,
                holder=staff,
                reason=RevocationReason(form.cleaned_data["reason"]),
            )
        if call.succeeded:
            if revoked is None:
                messages.info(
                    request,
                    _("%(name)s has no signing certificate to revoke.") % {"name": staff.full_name},
                )
            else:
                messages.success(
                    request,
                    _(
                        "The signing certificate of %(name)s is revoked and on the revocation "
                        "list now."
                    )
                    % {"name": staff.full_name},
                )
            return redirect("backoffice:staff-edit", pk=staff.pk)
    return _staff_page(request, staff, revoke_form=form)


@staff_admin_required
@require_POST
def staff_action(request, pk: int, action: str):
    staff = get_object_or_404(_staff_queryset(), pk=pk)
    with service_call(request):
        if action == "password":
            staff_password_link_send(actor=request.user, staff=staff)
            messages.success(request, _("A link to set the password was emailed."))
        elif action == "2fa":
            two_factor_reset(actor=request.user, staff=staff)
            messages.success(
                request, _("The login code is reset; they set it up again at their next login.")
            )
        elif action in ("deactivate", "activate"):
            staff_account_set_active(actor=request.user, staff=staff, active=action == "activate")
            messages.success(request, _("The account is saved."))
        else:
            raise DomainError(_("Unknown action."))
    return redirect("backoffice:staff-edit", pk=staff.pk)


@villages_admin_required
@require_GET
def village_list(request):
    villages = (
        Village.objects.filter(district__regency_id=settings.LDM_REGENCY_CODE)
        .select_related("district", "office")
        .order_by("district__name", "name")
    )
    return render(request, "backoffice/village_list.html", {"villages": villages})


@villages_admin_required
@require_http_methods(["GET", "POST"])
def village_edit(request, code: str):
    village = get_object_or_404(Village.objects.select_related("district"), code=code)
    heads = heads_of_village(village)
    return letterhead_page(
        request,
        village,
        saved_url="backoffice:village-list",
        context={"village": village, "heads": heads},
    )
