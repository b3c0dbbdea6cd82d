"""The staff area's landing page: what waits for this person today."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from layanan.accounts import rules
from layanan.accounts.decorators import staff_required
from layanan.accounts.selectors import profiles_awaiting_verification


@staff_required()
@require_GET
def dashboard(request):
    context = {}
    if rules.can_verify_profiles(request.user):
        context["profiles_waiting"] = profiles_awaiting_verification(request.user).count()
    return render(request, "backoffice/dashboard.html", context)
