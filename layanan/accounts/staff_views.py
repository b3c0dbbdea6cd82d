"""The Operator Desa's verification of resident profiles (DESIGN.md section 3, step 8), and
the recovery of a resident's account at the counter (a new email, after checking the KTP)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts import rules
from layanan.accounts.choices import ProfileStatus
from layanan.accounts.decorators import staff_required
from layanan.accounts.forms import CounterEmailForm, CounterLookupForm, ProfileRejectForm
from layanan.accounts.selectors import (
    profiles_awaiting_verification,
    profiles_for_staff,
    profiles_recoverable_by,
)
from layanan.accounts.services import (
    account_email_set_at_counter,
    account_lookup_at_counter,
    profile_reject,
    profile_verify,
    profile_viewed,
)
from layanan.accounts.views import document_response, identity_documents
from layanan.core.service_calls import service_call

operator_required = staff_required(allowed=rules.can_verify_profiles)
recovery_required = staff_required(allowed=rules.can_recover_accounts)


@operator_required
@require_GET
def verification_list(request):
    status = request.GET.get("status", "menunggu")
    if status not in ProfileStatus.values:
        status = "menunggu"
    if status == "menunggu":
        profiles = profiles_awaiting_verification(request.user)
    else:
        profiles = profiles_for_staff(request.user).filter(status=status).order_by("-updated_at")
    page = Paginator(profiles, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/staff/verification_list.html",
        {"page": page, "status": status},
    )


@operator_required
@require_GET
def verification_detail(request, public_id):
    profile = get_object_or_404(profiles_for_staff(request.user), public_id=public_id)
    profile_viewed(profile=profile, actor=request.user)
    return _detail_page(request, profile, ProfileRejectForm())


def _detail_page(request, profile, reject_form, status=200):
    documents = identity_documents(
        profile,
        lambda kind: reverse(
            "accounts:verification-document",
            kwargs={"public_id": profile.public_id, "kind": kind},
        ),
    )
    return render(
        request,
        "accounts/staff/verification_detail.html",
        {
            "profile": profile,
            "reject_form": reject_form,
            "documents": documents,
            "can_decide": rules.can_verify_profile(request.user, profile),
        },
        status=status,
    )


@operator_required
@require_GET
def verification_document(request, public_id, kind: str):
    profile = get_object_or_404(profiles_for_staff(request.user), public_id=public_id)
    return document_response(request, profile, kind)


@operator_required
@require_POST
def verification_verify(request, public_id):
    profile = get_object_or_404(profiles_for_staff(request.user), public_id=public_id)
    with service_call(request) as call:
        profile_verify(profile=profile, actor=request.user)
    if not call.succeeded:
        return redirect("accounts:verification-detail", public_id=public_id)
    messages.success(
        request, _("The profile of %(name)s is verified.") % {"name": profile.user.full_name}
    )
    return redirect("accounts:verification-list")


@operator_required
@require_http_methods(["POST"])
def verification_reject(request, public_id):
    profile = get_object_or_404(profiles_for_staff(request.user), public_id=public_id)
    form = ProfileRejectForm(request.POST)
    if form.is_valid():
        with service_call(request) as call:
            profile_reject(profile=profile, actor=request.user, reason=form.cleaned_data["reason"])
        if call.succeeded:
            messages.success(
                request,
                _("The profile of %(name)s was sent back to the resident.")
                % {"name": profile.user.full_name},
            )
            return redirect("accounts:verification-list")
    return _detail_page(request, profile, form, status=400)


# --- Account recovery at the counter ------------------------------------------------------


def email_masked(address: str) -> str:
    """Enough of an address for the resident to recognise it: "ak•••@example.com"."""
    local, at, domain = address.partition("@")
    if not at:
        return "•••"
    return f"{local[:2]}•••@{domain}"


@recovery_required
@require_http_methods(["GET", "POST"])
def counter_recovery(request):
    """Step 1: the NIK of the KTP the resident shows, looked up exactly (and audited). It
    travels in the form's body only, never in an address."""
    form = CounterLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form, field="nik") as call:
            found = account_lookup_at_counter(actor=request.user, nik=form.cleaned_data["nik"])
        if call.succeeded:
            if found.profile is not None:
                return redirect(
                    "accounts:counter-recovery-account", public_id=found.profile.public_id
                )
            if found.elsewhere:
                form.add_error(
                    "nik",
                    _(
                        "The account of this NIK belongs to a resident of another "
                        "desa/kelurahan: only an operator of that village can change it. Ask "
                        "the resident to go to the office of the village in their profile."
                    ),
                )
            else:
                form.add_error(
                    "nik",
                    _(
                        "No resident account has this NIK. The resident can register with it "
                        "(Registrasi), or you can register their request at the counter."
                    ),
                )
    return render(request, "accounts/staff/recovery_lookup.html", {"form": form})


@recovery_required
@require_http_methods(["GET", "POST"])
def counter_recovery_account(request, public_id):
    """Step 2: the account found, and the new email the resident gives at the counter."""
    profile = get_object_or_404(profiles_recoverable_by(request.user), public_id=public_id)
    form = CounterEmailForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with service_call(request, form=form, field="email") as call:
                user = account_email_set_at_counter(
                    actor=request.user, profile=profile, email=form.cleaned_data["email"]
                )
            if call.succeeded:
                messages.success(
                    request,
                    _(
                        "The account of %(name)s now uses %(email)s. A link to choose a new "
                        "password was sent there; the previous address is told of the change."
                    )
                    % {"name": user.full_name, "email": user.email},
                )
                return redirect("accounts:counter-recovery")
    else:
        profile_viewed(profile=profile, actor=request.user)
    return render(
        request,
        "accounts/staff/recovery_account.html",
        {
            "profile": profile,
            "form": form,
            "masked_email": email_masked(profile.user.email),
        },
    )
