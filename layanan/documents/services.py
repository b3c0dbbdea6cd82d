"""Writes of documents: signing credentials, signing letters, previews of letter types.

Signing one letter is one transaction (DESIGN.md §6): take the next number of the village's
yearly counter, render the letter with the QR code of its verification URL, sign it, store
the PDF with its SHA-256, set the validity, move the request to TERBIT. Any failure (a
wrong passphrase, the signature service, rendering) rolls all of it back: the counter gives
the number back and the letter stays in Konsep.

A signature service that signs many PDFs in one call (BSrE API v2) gets a batch's letters
in one transaction instead: numbered and issued together, or not at all.
"""

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from layanan.accounts.models import User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.core.errors import DomainError
from layanan.core.services import counter_next
from layanan.core.throttle import throttle
from layanan.documents import rules as document_rules
from layanan.documents.models import LetterArchive, RevocationReason, SigningCredential
from layanan.documents.pki.authority import signer_subject
from layanan.documents.rendering import (
    Issue,
    RenderedLetter,
    RenderError,
    compile_letter,
    letter_inputs,
    letter_preview_png,
)
from layanan.documents.signing import (
    SignerUnavailable,
    SigningError,
    SigningSession,
    WrongPassphrase,
    get_signer,
)
from layanan.documents.signing.base import SignatureRequest, SignedDocument
from layanan.documents.signing.local import credential_new, credential_retire
from layanan.letters import rules
from layanan.letters.access_codes import access_code_hash, access_code_new
from layanan.letters.fields import sample_answers
from layanan.letters.lifecycle import transition_check
from layanan.letters.models import LetterRequest, LetterType, RequestAction, RequestStatus
from layanan.letters.numbers import number_format
from layanan.letters.selectors import highest_letter_sequence, letter_counter
from layanan.letters.services import (
    letter_type_version_current,
    request_lock,
    transition_apply,
)
from layanan.regions.models import Village

logger = logging.getLogger(__name__)

MIN_PASSPHRASE = 10


# --- Signing credentials (local CA) ------------------------------------------------------


def _check_passphrase_strength(user: User, passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise DomainError(
            _("The signing passphrase needs at least %(count)s characters.")
            % {"count": MIN_PASSPHRASE},
            code="weak_passphrase",
        )
    if user.check_password(passphrase):
        raise DomainError(
            _("The signing passphrase must differ from your login password."),
            code="passphrase_is_password",
        )


@transaction.atomic
def signing_credential_issue(*, user: User, passphrase: str) -> SigningCredential:
    """A new key and certificate from the local CA for a village head, protected by the
    passphrase they choose. Any earlier credential is retired and its certificate revoked as
    superseded (letters it signed still verify: their timestamps predate the revocation)."""
    if not rules.can_sign(user):
        raise DomainError(_("Only a village head can hold a signing certificate."))
    _check_passphrase_strength(user, passphrase)
    village = user.village
    if village is None:  # can_sign asks for the head's village
        raise DomainError(_("Only a village head can hold a signing certificate."))
    credential = credential_new(
        user=user,
        subject=signer_subject(
            name=user.full_name,
            title=f"{village.head_title} {village.display_name}",
            organisation=f"Pemerintah {village.kind_label} {village.display_name}",
            locality=village.district.regency.display_name,
            province=village.district.regency.province.display_name,
        ),
        passphrase=passphrase,
    )
    now = timezone.now()
    for old in SigningCredential.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True
    ):
        credential_retire(old, at=now, reason=RevocationReason.SUPERSEDED)
    credential.save()
    audit_record(
        actor=user,
        action=AuditAction.SIGNING_CREDENTIAL_ISSUED,
        village=village,
        target=credential,
        data={"fingerprint": credential.fingerprint},
    )
    return credential


@transaction.atomic
def signing_credential_revoke(
    *, actor: User | None, holder: User, reason: RevocationReason
) -> SigningCredential | None:
    """Revoke the holder's current signing certificate (on the CRL and OCSP at once); it
    signs nothing more. The district admin, or the holder, asks (a lost or exposed key); a
    head who leaves office (replaced, deactivated) is revoked by the account change itself
    (``actor`` None). Nothing to revoke: None."""
    if actor is not None and not document_rules.can_revoke_signing_credential(actor, holder):
        raise DomainError(
            _("Only the district admin or the certificate's holder can revoke it."),
            code="forbidden",
        )
    credential = (
        # Only the credential's row is locked: PostgreSQL locks no nullable side of a join.
        SigningCredential.objects.select_for_update(of=("self",))
        .select_related("issued")
        .filter(user=holder, revoked_at__isnull=True)
        .first()
    )
    if credential is None:
        return None
    credential_retire(credential, at=timezone.now(), reason=reason)
    audit_record(
        actor=actor,
        action=AuditAction.SIGNING_CREDENTIAL_REVOKED,
        village=holder.village,
        target=credential,
        data={"fingerprint": credential.fingerprint, "reason": str(reason)},
    )
    return credential


class _PassphraseAttempt:
    """One signing with a passphrase, counted towards the lockout before the passphrase is
    judged (``Throttle.reserve``): of twenty signings sent at once with wrong passphrases,
    only the limit's number are judged, the rest wait and are refused once signing is
    locked; twenty with the right one are all judged, a few at a time. The count is kept
    outside the signing transaction, which rolls back."""

    def __init__(self, head: User) -> None:
        self.head = head
        self.judged = False
        self._throttle = throttle("sign-passphrase-user")
        self._key = f"user:{head.pk}"

    def reserve(self) -> None:
        if self._throttle.reserve(self._key) is not None:
            raise SigningError(
                _("Too many wrong passphrases. Signing is locked for 15 minutes."),
                code="passphrase_locked",
            )

    def wrong(self) -> None:
        """The passphrase was wrong: it counts, and is audited."""
        self.judged = True
        self._throttle.refused(self._key)
        audit_record(
            actor=self.head, action=AuditAction.SIGNING_WRONG_PASSPHRASE, village=self.head.village
        )

    def right(self) -> None:
        """A letter was signed, so the passphrase was right: the count starts over. Only
        then: a remote service (BSrE) checks the passphrase when it signs, not before."""
        self.judged = True
        self._throttle.accepted(self._key)

    def unjudged(self) -> None:
        """Nothing told whether the passphrase was right (a service was down): no count."""
        self.judged = True
        self._throttle.release(self._key)


@contextmanager
def _passphrase_attempt(head: User) -> Iterator[_PassphraseAttempt]:
    """A signing attempt; a WrongPassphrase out of it counts, any other end does not."""
    attempt = _PassphraseAttempt(head)
    attempt.reserve()
    try:
        yield attempt
    except WrongPassphrase:
        if not attempt.judged:
            attempt.wrong()
        raise
    finally:
        if not attempt.judged:
            attempt.unjudged()


@sensitive_variables("passphrase")
def _open_session(*, head: User, passphrase: str) -> SigningSession:
    """Unlock the head's signer once (inside a ``_passphrase_attempt``)."""
    return get_signer().open_session(user=head, passphrase=passphrase)


# --- Signing -----------------------------------------------------------------------------


def _verification_url(token: str) -> str:
    return f"{settings.LDM_PUBLIC_URL}{reverse('verification:letter', kwargs={'token': token})}"


def _check_can_sign(head: User, request: LetterRequest) -> None:
    """The lifecycle's guard of TERBIT, asked before anything is rendered or unlocked."""
    transition_check(request=request, action=RequestAction.ISSUED, actor=head)


@dataclass
class _Prerendered:
    """A letter rendered ahead, on the guess that it gets the next number."""

    sequence: int
    token: str
    access_code: str
    inputs: dict
    pdf: Future[RenderedLetter]


def _issue(
    locked: LetterRequest,
    head: User,
    *,
    number: str,
    now: dt.datetime,
    token: str,
    access_code: str,
) -> Issue:
    today = timezone.localdate(now)
    return Issue(
        number=number,
        issued_on=today,
        valid_until=locked.letter_type.valid_until(today),
        verification_url=_verification_url(token),
        signer_name=head.full_name,
        signer_title=f"{locked.village.head_title} {locked.village.display_name}",
        signed_at=now,
        access_code=access_code,
    )


def _number(locked: LetterRequest, sequence: int, today: dt.date) -> str:
    return number_format(
        locked.letter_type.number_pattern,
        code=locked.letter_type.classification_code,
        sequence=sequence,
        day=today,
        village_code=locked.village_id,
    )


def _sign_one(
    *,
    request: LetterRequest,
    head: User,
    session: SigningSession,
    ahead: _Prerendered | None = None,
    on_numbered: Callable[[int, dt.datetime], None] | None = None,
) -> LetterRequest:
    """Issue one letter in one transaction. ``ahead`` is this letter rendered in advance
    (used only if it got the number and data it was rendered with); ``on_numbered`` lets a
    batch start rendering the next letter while this one is being signed."""
    stored_name = None
    try:
        with transaction.atomic():
            locked = request_lock(request.pk)
            _check_can_sign(head, locked)
            now = timezone.now()
            today = timezone.localdate(now)
            sequence = counter_next(
                name=letter_counter(locked.village_id, today.year),
                floor=lambda: highest_letter_sequence(locked.village_id, today.year),
            )
            if on_numbered is not None:
                on_numbered(sequence, now)
            number = _number(locked, sequence, today)
            token, access_code = (
                (ahead.token, ahead.access_code)
                if ahead and ahead.sequence == sequence
                else (secrets.token_urlsafe(15), access_code_new())
            )
            issue = _issue(
                locked, head, number=number, now=now, token=token, access_code=access_code
            )
            inputs = letter_inputs(locked, issue)
            if ahead and ahead.sequence == sequence and ahead.inputs == inputs:
                rendered = ahead.pdf.result()
            else:
                rendered = compile_letter(inputs, verification_url=issue.verification_url)
            (signed,) = session.sign([_signature_request(locked, issue, rendered)])
            stored_name = _store_document(locked, signed)
            issued = _issue_apply(
                locked, head, session, signed, sequence=sequence, now=now, issue=issue, token=token
            )
    except Exception:
        if stored_name and _stored_files_settle([stored_name]):
            # The commit went through; only its answer was lost.
            issued = LetterRequest.objects.get(pk=request.pk)
            logger.warning("request %s: the commit's reply was lost, but it committed", request.pk)
        else:
            raise
    logger.info("request %s issued as letter %s", issued.pk, issued.letter_number)
    return issued


def _stored_files_settle(stored: list[str]) -> set[str]:
    """After a signing transaction failed, its stored PDFs: those an issued letter holds
    (the transaction committed, though its reply was lost: a dropped connection at COMMIT)
    are kept and returned; the others are deleted, as the transaction is known to have
    rolled back. When the database cannot be read, nothing is deleted: the reconciliation
    (``manage.py files_reconcile``) quarantines what no row holds."""
    try:
        committed = set(
            LetterRequest.objects.filter(
                document__in=stored, status=RequestStatus.TERBIT
            ).values_list("document", flat=True)
        )
    except DatabaseError:
        logger.warning("signing failed and the database cannot be read: %d PDFs left", len(stored))
        return set()
    for name in stored:
        if name not in committed:
            default_storage.delete(name)
    return committed


def _signature_request(
    locked: LetterRequest, issue: Issue, rendered: RenderedLetter
) -> SignatureRequest:
    return SignatureRequest(
        pdf=rendered.pdf,
        signature_box=rendered.signature_box,
        reason=(
            f"{locked.letter_type.name} Nomor {issue.number}; verifikasi: {issue.verification_url}"
        ),
        location=f"{locked.village.kind_label} {locked.village.display_name}",
        letter_number=issue.number,
        verification_url=issue.verification_url,
    )


def _store_document(locked: LetterRequest, signed: SignedDocument) -> str:
    locked.document.save(f"{locked.registration_number}.pdf", ContentFile(signed.pdf), save=False)
    name = locked.document.name
    if name is None:  # FieldFile.save sets the name the storage chose
        raise RuntimeError("the storage gave the signed letter no name")
    return name


def _issue_apply(
    locked: LetterRequest,
    head: User,
    session: SigningSession,
    signed: SignedDocument,
    *,
    sequence: int,
    now: dt.datetime,
    issue: Issue,
    token: str,
) -> LetterRequest:
    """The locked request to TERBIT with its number, signed document and validity, and the
    record of its archive evidence."""
    issued = transition_apply(
        request=locked,
        action=RequestAction.ISSUED,
        actor=head,
        already_locked=True,
        letter_number=issue.number,
        letter_year=issue.issued_on.year,
        letter_sequence=sequence,
        issued_at=now,
        valid_from=issue.issued_on,
        valid_until=issue.valid_until,
        signer=head,
        signer_name=issue.signer_name,
        signer_title=issue.signer_title,
        signature_backend=session.backend,
        certificate_fingerprint=signed.certificate_fingerprint,
        document=locked.document.name,
        document_sha256=hashlib.sha256(signed.pdf).hexdigest(),
        verification_token=token,
        access_code_hash=access_code_hash(issue.access_code, token=token),
        letter_type_version=letter_type_version_current(locked.letter_type),
    )
    issued.access_code = issue.access_code  # in memory only, for whoever issued it
    if signed.timestamp_valid_until is not None:
        LetterArchive.objects.create(
            request=issued,
            issued_size=len(signed.pdf),
            current_sha256=issued.document_sha256,
            timestamp_valid_until=signed.timestamp_valid_until,
        )
    return issued


@sensitive_variables("passphrase")
def letter_sign(*, request: LetterRequest, head: User, passphrase: str) -> LetterRequest:
    """The head signs one draft with their passphrase (guide section 9: Terbit)."""
    _check_can_sign(head, request)
    with _passphrase_attempt(head) as attempt:
        session = _open_session(head=head, passphrase=passphrase)
        issued = _sign_one(request=request, head=head, session=session)
        attempt.right()
    return issued


@dataclass
class BatchResult:
    signed: list[LetterRequest] = field(default_factory=list)
    wrong_passphrase: bool = False
    failed: list[tuple[LetterRequest, str]] = field(default_factory=list)


def _render_ahead(
    request: LetterRequest, *, head: User, sequence: int, now: dt.datetime
) -> _Prerendered:
    """Start rendering a letter in the rendering thread, as if it gets ``sequence``."""
    fresh = LetterRequest.objects.select_related(
        "letter_type", "village__district__regency__province"
    ).get(pk=request.pk)
    token, access_code = secrets.token_urlsafe(15), access_code_new()
    number = _number(fresh, sequence, timezone.localdate(now))
    issue = _issue(fresh, head, number=number, now=now, token=token, access_code=access_code)
    inputs = letter_inputs(fresh, issue)
    future = _renderer().submit(compile_letter, inputs, verification_url=issue.verification_url)
    return _Prerendered(sequence, token, access_code, inputs, future)


@cache
def _renderer() -> ThreadPoolExecutor:
    """One rendering thread per process, kept so that its Typst compiler stays warm."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="letter-render")


def _sign_together(
    *, requests: list[LetterRequest], head: User, session: SigningSession, result: BatchResult
) -> None:
    """Issue letters with one call to the signature service, in one transaction: the
    service signs all or none, so they are numbered (consecutively) and issued together or
    not at all. A letter that can no longer be signed is left out (in ``result.failed``)."""
    stored: list[str] = []
    issued: list[LetterRequest] = []
    try:
        with transaction.atomic():
            # Every request is locked (in id order) before the counter, as a single signing
            # does: a batch and a single signing never wait for each other in a circle.
            locked = {pk: request_lock(pk) for pk in sorted({r.pk for r in requests})}
            ready = []
            for request in requests:
                try:
                    _check_can_sign(head, locked[request.pk])
                except DomainError as error:
                    result.failed.append((request, error.message))
                else:
                    ready.append(locked[request.pk])
            now = timezone.now()
            today = timezone.localdate(now)
            letters = []
            for current in ready:
                sequence = counter_next(
                    name=letter_counter(current.village_id, today.year),
                    floor=partial(highest_letter_sequence, current.village_id, today.year),
                )
                token = secrets.token_urlsafe(15)
                number = _number(current, sequence, today)
                issue = _issue(
                    current,
                    head,
                    number=number,
                    now=now,
                    token=token,
                    access_code=access_code_new(),
                )
                rendering = _renderer().submit(
                    compile_letter,
                    letter_inputs(current, issue),
                    verification_url=issue.verification_url,
                )
                letters.append((current, sequence, token, issue, rendering))
            if not letters:
                return
            signed_documents = session.sign(
                [
                    _signature_request(current, issue, rendering.result())
                    for current, _sequence, _token, issue, rendering in letters
                ]
            )
            for (current, sequence, token, issue, _rendering), signed in zip(
                letters, signed_documents, strict=True
            ):
                stored.append(_store_document(current, signed))
                issued.append(
                    _issue_apply(
                        current,
                        head,
                        session,
                        signed,
                        sequence=sequence,
                        now=now,
                        issue=issue,
                        token=token,
                    )
                )
    except Exception:
        committed = _stored_files_settle(stored) if stored else set()
        if not committed:
            raise
        # The commit went through; only its answer was lost.
        issued = list(
            LetterRequest.objects.filter(document__in=committed).order_by("letter_sequence")
        )
    for letter in issued:
        logger.info("request %s issued as letter %s", letter.pk, letter.letter_number)
    result.signed += issued


def _batch_stopped(
    error: SigningError, *, head: User, result: BatchResult, requests: list[LetterRequest]
) -> None:
    """A wrong passphrase or an unavailable service ends a batch: what is left fails with
    the same message. A wrong passphrase before any letter was signed is raised, as when
    the signer checks the passphrase up front."""
    if isinstance(error, WrongPassphrase):
        result.wrong_passphrase = True
        if not result.signed:
            raise error
    done = {r.pk for r in result.signed} | {r.pk for r, _reason in result.failed}
    result.failed += [(r, error.message) for r in requests if r.pk not in done]


def _sign_in_calls(
    *, requests: list[LetterRequest], head: User, session: SigningSession, batch_size: int
) -> BatchResult:
    """A batch for a service that signs many PDFs per call: one transaction per call."""
    result = BatchResult()
    for start in range(0, len(requests), batch_size):
        chunk = requests[start : start + batch_size]
        try:
            _sign_together(requests=chunk, head=head, session=session, result=result)
        except (WrongPassphrase, SignerUnavailable) as error:
            _batch_stopped(error, head=head, result=result, requests=requests)
            break
        except DomainError as error:
            done = {r.pk for r, _reason in result.failed}
            result.failed += [(r, error.message) for r in chunk if r.pk not in done]
    return result


def _sign_in_turn(
    *, requests: list[LetterRequest], head: User, session: SigningSession
) -> BatchResult:
    """A batch signed letter by letter, one transaction each."""
    result = BatchResult()
    # While one letter is being signed (Python, holding the GIL), the next one is rendered in
    # a second thread (Typst runs without the GIL): two cores instead of one. The next
    # letter is rendered with the number it will get if this one succeeds; if not, it is
    # simply rendered again.
    ahead: _Prerendered | None = None
    for index, request in enumerate(requests):
        following = requests[index + 1] if index + 1 < len(requests) else None
        prepared: list[_Prerendered] = []

        def render_next(
            sequence: int,
            now: dt.datetime,
            following: LetterRequest | None = following,
            prepared: list[_Prerendered] = prepared,
        ) -> None:
            if following is not None:
                prepared.append(_render_ahead(following, head=head, sequence=sequence + 1, now=now))

        try:
            signed = _sign_one(
                request=request, head=head, session=session, ahead=ahead, on_numbered=render_next
            )
        except (WrongPassphrase, SignerUnavailable) as error:
            _batch_stopped(error, head=head, result=result, requests=requests)
            break
        except DomainError as error:
            result.failed.append((request, error.message))
        else:
            result.signed.append(signed)
        ahead = prepared[0] if prepared else None
    return result


@sensitive_variables("passphrase")
def letters_sign_batch(
    *, requests: list[LetterRequest], head: User, passphrase: str
) -> BatchResult:
    """Sign many drafts with one passphrase entry. The passphrase is checked once, before
    anything; each letter is then its own transaction, so one failure leaves the others
    (with a service that signs many PDFs in one call, each call's letters are one
    transaction). A wrong passphrase or an unavailable service stops the batch."""
    if not requests:
        raise DomainError(_("Choose at least one letter to sign."), code="empty")
    for request in requests:
        _check_can_sign(head, request)
    with _passphrase_attempt(head) as attempt:
        session = _open_session(head=head, passphrase=passphrase)
        batch_size = getattr(session, "batch_size", 1)
        if batch_size > 1:
            result = _sign_in_calls(
                requests=requests, head=head, session=session, batch_size=batch_size
            )
        else:
            result = _sign_in_turn(requests=requests, head=head, session=session)
        if result.wrong_passphrase:
            attempt.wrong()
        elif result.signed:
            attempt.right()
    return result


# --- Previews of letter types (the district admin's editor) ----------------------------------


def _sample_request(letter_type: LetterType) -> LetterRequest:
    """An unsaved request with fictional data, to preview a type's letter."""
    village = (
        Village.objects.select_related("district__regency__province")
        .filter(district__regency_id=settings.LDM_REGENCY_CODE)
        .order_by("code")
        .first()
    )
    if village is None:
        raise DomainError(_("Load the regions of the kabupaten first."), code="no_regions")
    return LetterRequest(
        registration_number="2022110600001",
        letter_type=letter_type,
        village=village,
        applicant_nik="3325110101900001",
        applicant_name="Nama Pemohon Contoh",
        applicant_birth_place="BATANG",
        applicant_birth_date=dt.date(1990, 1, 1),
        applicant_gender="Laki-laki",
        applicant_religion="Islam",
        applicant_marital_status="Kawin Tercatat",
        applicant_occupation="Wiraswasta",
        applicant_address="Jl. Contoh No. 1 RT 001 RW 002",
        form_schema=letter_type.fields,
        data=sample_answers(letter_type.fields),
        submitted_at=timezone.now(),
    )


def letter_type_preview(letter_type: LetterType) -> list[bytes]:
    """PNG pages of the type's draft letter with sample data (the type may be unsaved);
    DomainError with Typst's message if its template does not compile."""
    try:
        return letter_preview_png(_sample_request(letter_type))
    except RenderError as error:
        raise DomainError(
            _("The template does not compile: %(error)s") % {"error": error}, code="template"
        ) from error
