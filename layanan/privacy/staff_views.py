"""The village operator's list of correction requests, with their 3 x 24-hour deadline."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from layanan.accounts.decorators import staff_required
from layanan.core.service_calls import service_call
from layanan.privacy import rules
from layanan.privacy.forms import CorrectionDecisionForm
from layanan.privacy.models import CorrectionStatus
from layanan.privacy.selectors import corrections_for_staff, corrections_open
from layanan.privacy.services import correction_decide

operator_required = staff_required(allowed=rules.can_handle_corrections)


@operator_required
@require_GET
def corrections(request):
    show_all = request.GET.get("status") == "semua"
    rows = (
        corrections_for_staff(request.user).order_by("-created_at", "-id")
        if show_all
        else corrections_open(request.user)
    )
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/staff/corrections.html",
        {
            "page": page,
            "show_all": show_all,
            "status": "semua" if show_all else "",
            "open_count": corrections_open(request.user).count(),
            "now": timezone.now(),
            "form": CorrectionDecisionForm(),
            "statuses": CorrectionStatus,
        },
    )


@operator_required
@require_POST
def correction_decide_view(request, pk: int):
    correction = get_object_or_404(corrections_for_staff(request.user), pk=pk)
    form = CorrectionDecisionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("note", []) + form.errors.get("outcome", []):
            messages.error(request, str(error))
        return redirect("privacy:staff-corrections")
    with service_call(request) as call:
        correction_decide(
            correction=correction,
            actor=request.user,
            done=form.cleaned_data["outcome"] == CorrectionStatus.DONE,
            note=form.cleaned_data["note"],
        )
    if call.succeeded:
        messages.success(request, _("The answer was saved; the resident is told."))
    return redirect("privacy:staff-corrections")
