"""Public verification: the page behind the QR code, the original PDF for its owner or
whoever types its access code, and the upload check (guide section 11).

The page behind the QR code shows what a verifier needs and no more (no third party's NIK,
no income: only the fields the type marks public), and may come from the public page
cache: it never holds the access code form (a CSRF token would make it uncacheable, and
would be someone else's). The form is its own page, ``/v/<token>/unduh/``. Every response
here says ``noindex`` and ``no-store``: they show personal data.
"""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from layanan.core.throttle import client_address, throttle
from layanan.documents.views import letter_filename, pdf_response
from layanan.letters.models import LetterRequest
from layanan.verification.forms import AccessCodeForm, UploadCheckForm
from layanan.verification.services import (
    CodeCheck,
    LetterState,
    Outcome,
    PdfAccess,
    UploadCheck,
    letter_by_token,
    letter_check_upload,
    letter_code_check,
    letter_public_rows,
    letter_state,
    mask_nik,
    pdf_access,
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


def _noindex(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Search engines neither index nor follow these pages and files."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


@require_GET
@_noindex
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
            "public_rows": letter_public_rows(found),
            "pdf_access": pdf_access(found, request.user),
        },
    )


def _original(found: LetterRequest) -> HttpResponseBase:
    return pdf_response(found.document.open("rb"), filename=letter_filename(found))


@require_GET
@_noindex
@never_cache
def letter_pdf(request, token: str):
    """The original PDF, without a code: to its owner, or to anyone in "open" mode. Anyone
    else is refused (403) with the access code form; nobody gets a revoked letter's PDF
    here but its owner."""
    found = letter_by_token(token)
    if found is None:
        raise Http404
    access = pdf_access(found, request.user)
    if access in (PdfAccess.OWNER, PdfAccess.OPEN):
        return _original(found)
    if access in (PdfAccess.OFF, PdfAccess.REVOKED):
        raise Http404
    return _code_page(request, found, access, AccessCodeForm(), status=403)


@require_http_methods(["GET", "POST"])
@_noindex
@never_cache
def letter_download(request, token: str):
    """The access code form; a right code answers with the original PDF itself (the code
    travels in the POST body only, never in a URL). Wrong codes are counted per address."""
    found = letter_by_token(token)
    if found is None:
        raise Http404
    access = pdf_access(found, request.user)
    if access in (PdfAccess.OWNER, PdfAccess.OPEN):
        return redirect("verification:letter-pdf", token=token)
    if access in (PdfAccess.OFF, PdfAccess.REVOKED):
        raise Http404
    form = AccessCodeForm(request.POST or None)
    if request.method != "POST" or access != PdfAccess.CODE:
        return _code_page(
            request, found, access, form, status=200 if request.method == "GET" else 403
        )
    if not form.is_valid():
        return _code_page(request, found, access, form, status=400)
    check = letter_code_check(found, form.cleaned_data["code"], address=client_address(request))
    if check == CodeCheck.RIGHT:
        return _original(found)
    return _code_page(
        request, found, access, form, check=check, status=429 if check == CodeCheck.LOCKED else 403
    )


def _code_page(
    request: HttpRequest,
    found: LetterRequest,
    access: PdfAccess,
    form: AccessCodeForm,
    *,
    check: CodeCheck | None = None,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "verification/letter_download.html",
        {
            "letter": found,
            "state": letter_state(found),
            "pdf_access": access,
            "form": form,
            "check": check,
            "action": reverse(
                "verification:letter-download", kwargs={"token": found.verification_token}
            ),
        },
        status=status,
    )


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
