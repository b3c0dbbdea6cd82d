"""Public verification: the page behind the QR code, and the upload check (guide section 11)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from layanan.core.throttle import client_address, throttle
from layanan.documents.views import letter_filename, pdf_response
from layanan.verification.forms import UploadCheckForm
from layanan.verification.services import (
    LetterState,
    Outcome,
    UploadCheck,
    letter_by_token,
    letter_check_upload,
    letter_state,
    mask_nik,
)

# How the page shows an outcome: the alert's colour and its icon.
_OUTCOME_LOOK = {
    Outcome.ORIGINAL: ("success", "circle-check"),
    Outcome.ORIGINAL_LTV: ("success", "circle-check"),
    Outcome.CHANGED: ("danger", "triangle-exclamation"),
    Outcome.COPY: ("warning", "copy"),
    Outcome.FOREIGN: ("danger", "circle-xmark"),
    Outcome.UNKNOWN: ("danger", "circle-question"),
}
_STATE_LOOK = {
    LetterState.VALID: ("success", "circle-check"),
    LetterState.EXPIRED: ("warning", "clock"),
    LetterState.REVOKED: ("danger", "circle-xmark"),
}


@require_GET
@never_cache
def letter(request, token: str):
    found = letter_by_token(token, for_page=True)
    if found is None:
        raise Http404
    return render(
        request,
        "verification/letter.html",
        {
            "letter": found,
            "state": letter_state(found),
            "masked_nik": mask_nik(found.applicant_nik),
            "pdf_download": settings.LDM_VERIFICATION_PDF_DOWNLOAD,
        },
    )


@require_GET
def letter_pdf(request, token: str):
    found = letter_by_token(token)
    if found is None or not settings.LDM_VERIFICATION_PDF_DOWNLOAD:
        raise Http404
    return pdf_response(found.document.open("rb"), filename=letter_filename(found))


@require_http_methods(["GET", "POST"])
@never_cache
def upload_check(request):
    form = UploadCheckForm(request.POST or None, request.FILES or None)
    result = None
    locked = False
    if request.method == "POST":
        limiter = throttle("verify-upload-address")
        address = client_address(request)
        locked = limiter.locked_until(address) is not None
        if not locked and form.is_valid():
            limiter.hit(address)
            result = letter_check_upload(form.cleaned_data["document"])
    return render(
        request,
        "verification/upload.html",
        {"form": form, "result": result, "locked": locked, **_upload_look(result)},
    )


def _upload_look(result: UploadCheck | None) -> dict:
    if result is None:
        return {}
    tone, icon = _OUTCOME_LOOK[result.outcome]
    if result.outcome in (Outcome.ORIGINAL, Outcome.ORIGINAL_LTV) and result.state:
        tone, icon = _STATE_LOOK[result.state]  # the original of an expired letter is no success
    state_tone, state_icon = _STATE_LOOK[result.state] if result.state else ("", "")
    return {
        "tone": tone,
        "icon": icon,
        "state_tone": state_tone,
        "state_icon": state_icon,
        "masked_nik": mask_nik(result.letter.applicant_nik) if result.letter else "",
    }
