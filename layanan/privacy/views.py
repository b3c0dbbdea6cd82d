"""The resident's "Data Saya" page: see and download everything held about them, ask the
village for a correction, close the account (UU 27/2022 Art. 30-32, 40, 43)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from layanan.accounts.decorators import resident_required
from layanan.core.service_calls import service_call
from layanan.core.throttle import throttle
from layanan.letters.selectors import requests_of_resident
from layanan.privacy import rules
from layanan.privacy.export import export_json, export_pdf, export_zip
from layanan.privacy.forms import CloseAccountForm, CorrectionForm
from layanan.privacy.models import CORRECTION_DEADLINE
from layanan.privacy.selectors import (
    access_log,
    closable_requests,
    corrections_of_resident,
    requests_in_progress,
)
from layanan.privacy.services import account_close, correction_request_create

EXPORTS = {
    "pdf": (export_pdf, "application/pdf", "data-saya.pdf"),
    "json": (export_json, "application/json", "data-saya.json"),
    "zip": (export_zip, "application/zip", "data-saya.zip"),
}


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def own_rights_required(view):
    """A resident whose account is active (what a closed account never is)."""

    @resident_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not rules.can_use_own_rights(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@own_rights_required
@require_GET
@never_cache
def my_data(request):
    user = request.user
    return _private(
        render(
            request,
            "privacy/my_data.html",
            {
                "profile": user.profile,
                "request_count": requests_of_resident(user).count(),
                "access_log": access_log(user).order_by("-created_at", "-id")[:50],
                "corrections": corrections_of_resident(user),
                "now": timezone.now(),
            },
        )
    )


@own_rights_required
@require_GET
@never_cache
def export(request, fmt: str):
    if fmt not in EXPORTS:
        raise Http404
    build, content_type, filename = EXPORTS[fmt]
    response = HttpResponse(build(request.user), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@own_rights_required
@require_http_methods(["GET", "POST"])
@never_cache
def correction_create(request):
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form) as call:
            correction_request_create(
                resident=request.user,
                what_is_wrong=form.cleaned_data["what_is_wrong"],
                should_be=form.cleaned_data["should_be"],
            )
        if call.succeeded:
            messages.success(
                request,
                _("Your request has been sent to the village. It answers within 3 x 24 hours."),
            )
            return redirect("privacy:my-data")
    hours = int(CORRECTION_DEADLINE.total_seconds() // 3600)
    return _private(render(request, "privacy/correction_form.html", {"form": form, "hours": hours}))


@own_rights_required
@require_http_methods(["GET", "POST"])
@never_cache
def close_account(request):
    user = request.user
    form = CloseAccountForm(request.POST or None)
    limiter = throttle("account-close")
    if request.method == "POST" and form.is_valid():
        if limiter.locked_until(str(user.pk)):
            form.add_error(None, _("Too many wrong passwords. Try again later."))
        else:
            with service_call(request, form=form) as call:
                account_close(user=user, password=form.cleaned_data["password"])
            if call.succeeded:
                logout(request)
                messages.success(
                    request,
                    _(
                        "Your account is closed and your personal data has been erased. "
                        "Letters issued to you can still be checked through their QR code."
                    ),
                )
                return redirect("content:home")
            if call.error is not None and call.error.code == "wrong_password":
                limiter.hit(str(user.pk))
    return _private(
        render(
            request,
            "privacy/close_account.html",
            {
                "form": form,
                "in_progress": requests_in_progress(user),
                "to_cancel": closable_requests(user),
                "issued": requests_of_resident(user).filter(status__in=["terbit", "dicabut"]),
            },
        )
    )
