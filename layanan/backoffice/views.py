"""The staff area's landing page: what waits for this person today."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from layanan.accounts import rules
from layanan.accounts.decorators import staff_required
from layanan.accounts.selectors import profiles_awaiting_verification
from layanan.letters.selectors import requests_for_staff, status_counts


@staff_required()
@require_GET
def dashboard(request):
    context = {}
    if rules.can_verify_profiles(request.user):
        context["profiles_waiting"] = profiles_awaiting_verification(request.user).count()
    if request.user.is_village_staff:
        context["request_counts"] = status_counts(requests_for_staff(request.user))
    return render(request, "backoffice/dashboard.html", context)
