"""Pages of the staff's second factor: enrolment and the code at login."""

import base64

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from layanan.accounts.two_factor import (
    confirmed_totp,
    totp_enrolment_confirm,
    totp_enrolment_device,
    totp_qr_svg,
    two_factor_required,
    two_factor_verify,
)
from layanan.accounts.views import safe_next
from layanan.core.service_calls import service_call


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
        help_text=_("The 6 digits of your authenticator app, or one of your backup codes."),
    )


@login_required(login_url="accounts:staff-login")
@require_http_methods(["GET", "POST"])
@never_cache
def two_factor(request):
    """Enrol (first login) or confirm this login with a code."""
    user = request.user
    done = safe_next(request, reverse("backoffice:dashboard"))
    if not two_factor_required(user) or user.is_verified():
        return redirect(done)
    form = CodeForm(request.POST or None)
    enrolling = confirmed_totp(user) is None
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form, field="code") as call:
            if enrolling:
                codes = totp_enrolment_confirm(request=request, token=form.cleaned_data["code"])
            else:
                two_factor_verify(request=request, token=form.cleaned_data["code"])
        if call.succeeded and enrolling:
            return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": done})
        if call.succeeded:
            return redirect(done)
    context = {"form": form, "enrolling": enrolling, "next": done}
    if enrolling:
        device = totp_enrolment_device(user)
        context["qr_svg"] = totp_qr_svg(device)
        context["secret"] = _base32(device.bin_key)
    return render(request, "accounts/two_factor.html", context)


def _base32(key: bytes) -> str:
    """The secret as people type it into an app by hand, in groups of four."""
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
