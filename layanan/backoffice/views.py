"""The staff area's landing page: what waits for this person today."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from layanan.accounts import rules as account_rules
from layanan.accounts.decorators import staff_required
from layanan.accounts.selectors import profiles_awaiting_verification
from layanan.backoffice import rules
from layanan.backoffice.forms import VillageOfficeForm
from layanan.backoffice.readiness import kabupaten_readiness, readiness_steps, village_readiness
from layanan.backoffice.services import village_office_update
from layanan.core.service_calls import service_call
from layanan.letters import rules as letter_rules
from layanan.letters.selectors import requests_for_staff, status_counts
from layanan.regions.models import VillageOffice

# Villages per page of the Admin Kabupaten's "not ready" table.
NOT_READY_PAGE_SIZE = 25


@staff_required()
@require_GET
def dashboard(request):
    context: dict[str, object] = {}
    if account_rules.can_verify_profiles(request.user):
        context["profiles_waiting"] = profiles_awaiting_verification(request.user).count()
    if letter_rules.can_work_on_requests(request.user):
        context["request_counts"] = status_counts(requests_for_staff(request.user))
    if rules.can_view_own_village_readiness(request.user):
        readiness = village_readiness(request.user.village)
        steps = readiness_steps(readiness, viewer=request.user)
        context["readiness"] = readiness
        context["readiness_steps"] = steps
        context["own_certificate_step"] = next(
            (step for step in steps if step.is_own_certificate), None
        )
    if rules.can_view_kabupaten_readiness(request.user):
        overview = kabupaten_readiness()
        page = Paginator(overview.not_ready, NOT_READY_PAGE_SIZE).get_page(request.GET.get("page"))
        context["overview"] = overview
        context["page"] = page
        context["not_ready_rows"] = [
            (row, readiness_steps(row.readiness, viewer=request.user, missing_only=True))
            for row in page.object_list
        ]
    return render(request, "backoffice/dashboard.html", context)


@staff_required(allowed=rules.can_keep_own_letterhead)
@require_http_methods(["GET", "POST"])
def village_office(request):
    """The village's letterhead: address, contacts, logo (shown on every letter)."""
    return letterhead_page(request, request.user.village, saved_url="backoffice:village-office")


def letterhead_page(request, village, *, saved_url: str, context: dict | None = None):
    """The letterhead form of ``village``, for its operator and for the district admin (who
    may edit any village: `village_office_update` checks who may)."""
    office = VillageOffice.objects.filter(village=village).first()
    form = VillageOfficeForm(request.POST or None, request.FILES or None, instance=office)
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form) as call:
            village_office_update(
                actor=request.user,
                village=village,
                values={name: form.cleaned_data[name] for name in VillageOfficeForm.Meta.fields},
                logo=form.cleaned_data["logo_upload"],
            )
        if call.succeeded:
            messages.success(request, _("The letterhead is saved; it applies to the next letters."))
            return redirect(saved_url)
    return render(
        request,
        "backoffice/village_office.html",
        {"form": form, "office": office, **(context or {})},
    )
