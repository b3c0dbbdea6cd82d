"""Pages of documents: draft previews, the head's signing queue and signing, the head's
certificate, and downloads of issued letters."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts.decorators import resident_required, staff_required
from layanan.accounts.selectors import village_head
from layanan.core.service_calls import service_call
from layanan.documents.forms import (
    HOLDER_REVOCATION_REASONS,
    BatchSignForm,
    CertificateRevokeForm,
    NewPassphraseForm,
    PassphraseForm,
)
from layanan.documents.models import RevocationReason
from layanan.documents.rendering import letter_pdf
from layanan.documents.selectors import active_credential_of, latest_credential_of
from layanan.documents.services import (
    letter_sign,
    letters_sign_batch,
    signing_credential_issue,
    signing_credential_revoke,
)
from layanan.letters import rules
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.selectors import (
    drafts_to_sign,
    requests_listed,
    requests_of_resident,
    staff_request_or_404,
    village_status_counts,
)

signer_required = staff_required(allowed=rules.can_sign)
village_staff_required = staff_required(allowed=rules.can_work_on_requests)

# Drafts per page of the head's queue, as in the inbox: a batch is chosen from one page and
# signed in one request. Each row costs about 0.4 ms of template rendering (make bench-load).
SIGNING_QUEUE_PAGE_SIZE = 20


def pdf_response(content, *, filename: str, inline: bool = True) -> HttpResponse | FileResponse:
    response = (
        FileResponse(content, content_type="application/pdf")
        if not isinstance(content, bytes)
        else HttpResponse(content, content_type="application/pdf")
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def letter_filename(request: LetterRequest) -> str:
    name = "-".join(request.letter_type.name.split())
    return f"{name}-{request.registration_number}.pdf"


@village_staff_required
@require_GET
def preview(request, number: str):
    """The draft with a KONSEP watermark, no number and no QR code."""
    letter_request = staff_request_or_404(request.user, number)
    if not rules.can_preview_draft(request.user, letter_request):
        raise Http404
    head = village_head(letter_request.village_id)
    pdf = letter_pdf(letter_request, head_name=head.full_name if head else "")
    return pdf_response(pdf, filename=f"KONSEP-{letter_request.registration_number}.pdf")


@village_staff_required
@require_GET
def staff_download(request, number: str):
    letter_request = staff_request_or_404(request.user, number)
    if not letter_request.is_issued:
        raise Http404
    return pdf_response(
        letter_request.document.open("rb"), filename=letter_filename(letter_request)
    )


@resident_required
@require_GET
def resident_download(request, number: str):
    """Cetak Dokumen (guide section 10): the signed original, for its owner only."""
    letter_request = requests_of_resident(request.user).filter(registration_number=number).first()
    if letter_request is None or not rules.is_request_owner(request.user, letter_request):
        raise Http404
    if not letter_request.is_issued:
        raise Http404
    return pdf_response(
        letter_request.document.open("rb"), filename=letter_filename(letter_request), inline=False
    )


@signer_required
@sensitive_post_parameters("passphrase")
@require_http_methods(["GET", "POST"])
def signing_queue(request):
    """The head's drafts: read one, or tick many and sign them with one passphrase."""
    queue = drafts_to_sign(request.user)
    form = BatchSignForm(request.POST or None, queryset=queue)
    if request.method == "POST" and form.is_valid():
        with service_call(request) as call:
            result = letters_sign_batch(
                requests=list(form.cleaned_data["letters"]),
                head=request.user,
                passphrase=form.cleaned_data["passphrase"],
            )
        if call.succeeded:
            if result.signed:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s letter signed and issued.",
                        "%(count)s letters signed and issued.",
                        len(result.signed),
                    )
                    % {"count": len(result.signed)},
                )
            for failed, reason in result.failed:
                messages.error(
                    request,
                    _("%(number)s was not signed: %(reason)s")
                    % {"number": failed.registration_number, "reason": reason},
                )
            return redirect("documents:signing-queue")
    paginator = Paginator(requests_listed(queue), SIGNING_QUEUE_PAGE_SIZE)
    # The queue is the village's drafts, which the menu's badge counts already: no COUNT query.
    paginator.count = village_status_counts(request)[RequestStatus.KONSEP]
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "documents/signing_queue.html",
        {"form": form, "page": page, "has_credential": _has_credential(request.user)},
    )


def _has_credential(user) -> bool:
    return settings.LDM_SIGNER != "local" or active_credential_of(user) is not None


@signer_required
@sensitive_post_parameters("passphrase")
@require_POST
def sign(request, number: str):
    letter_request = staff_request_or_404(request.user, number)
    form = PassphraseForm(request.POST)
    if form.is_valid():
        with service_call(request) as call:
            issued = letter_sign(
                request=letter_request,
                head=request.user,
                passphrase=form.cleaned_data["passphrase"],
            )
        if call.succeeded:
            messages.success(
                request,
                _("Letter %(number)s is signed and issued.") % {"number": issued.letter_number},
            )
    else:
        messages.error(request, _("Type your signing passphrase."))
    return redirect("letters:staff-detail", number=number)


@signer_required
@sensitive_post_parameters("passphrase", "passphrase_again")
@require_http_methods(["GET", "POST"])
def certificate(request):
    """The head's signing certificate: set the passphrase of a new one, or revoke it."""
    if settings.LDM_SIGNER != "local":
        raise PermissionDenied
    form = NewPassphraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_call(request, form=form, field="passphrase") as call:
            signing_credential_issue(user=request.user, passphrase=form.cleaned_data["passphrase"])
        if call.succeeded:
            messages.success(request, _("Your signing certificate is ready."))
            return redirect("documents:signing-queue")
    return _certificate_page(request, form=form)


def _certificate_page(request, *, form=None, revoke_form=None):
    return render(
        request,
        "documents/certificate.html",
        {
            "form": form or NewPassphraseForm(),
            "revoke_form": revoke_form or CertificateRevokeForm(reasons=HOLDER_REVOCATION_REASONS),
            "credential": active_credential_of(request.user),
            "latest": latest_credential_of(request.user),
        },
    )


@signer_required
@require_POST
def certificate_revoke(request):
    """The head revokes their own certificate (a passphrase someone else may know)."""
    if settings.LDM_SIGNER != "local":
        raise PermissionDenied
    form = CertificateRevokeForm(request.POST, reasons=HOLDER_REVOCATION_REASONS)
    if form.is_valid():
        with service_call(request, form=form) as call:
            revoked = signing_credential_revoke(
                actor=request.user,
                holder=request.user,
                reason=RevocationReason(form.cleaned_data["reason"]),
            )
        if call.succeeded:
            if revoked is None:
                messages.info(request, _("You have no signing certificate to revoke."))
            else:
                messages.success(
                    request,
                    _(
                        "Your signing certificate is revoked: it is on the revocation list "
                        "now. Set a new passphrase to sign again."
                    ),
                )
            return redirect("documents:certificate")
    return _certificate_page(request, revoke_form=form)
