"""Writes of the residents' rights and of retention: correction requests and their answers,
closing an account, and the scheduled purge of data past its retention period.

Closing erases or anonymises the resident's personal data at once and keeps what the
village's register and the audit chain must keep: an issued letter keeps its number, type,
dates, signer, status and the SHA-256 of its PDF, so that its QR code still answers with its
status; the audit log is never rewritten (it holds ids, never names or NIKs). The rows that
remain (requests never issued, correction requests) go after
``LDM_RETENTION_CLOSED_ACCOUNTS_DAYS``.
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from layanan.accounts.models import ResidentProfile, User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.core.errors import DomainError
from layanan.documents.models import LetterArchive
from layanan.letters.models import LetterRequest, LetterRequestEvent, RequestAction, RequestStatus
from layanan.letters.services import transition_apply
from layanan.notifications.services import email_queue
from layanan.privacy import rules
from layanan.privacy.export import erased_letter_pdf
from layanan.privacy.models import (
    CORRECTION_DEADLINE,
    AccountClosure,
    CorrectionRequest,
    CorrectionStatus,
)
from layanan.privacy.selectors import (
    account_requests,
    closable_requests,
    emails_to,
    requests_in_progress,
)

logger = logging.getLogger(__name__)

MAX_TEXT = 1000
# What the anonymised copies of a closed account's data say instead.
ERASED = "[dihapus]"
# The register's date columns cannot be empty: an erased birth date reads as this.
ERASED_DATE = dt.date(1900, 1, 1)


# --- Corrections (UU 27/2022 Art. 30) ---------------------------------------------------------


def _text(value: str, *, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Fill in %(field)s.") % {"field": label}, code="required")
    if len(value) > MAX_TEXT:
        raise DomainError(
            _("%(field)s is too long (at most %(max)s characters).")
            % {"field": label, "max": MAX_TEXT},
            code="too_long",
        )
    return value


@transaction.atomic
def correction_request_create(
    *, resident: User, what_is_wrong: str, should_be: str
) -> CorrectionRequest:
    """A resident asks their village to correct data; it is due within 3 x 24 hours."""
    if not rules.can_use_own_rights(resident):
        raise DomainError(_("Only residents can ask for a correction."), code="forbidden")
    what_is_wrong = _text(what_is_wrong, label=_("what is wrong"))
    should_be = _text(should_be, label=_("what it should be"))
    profile = ResidentProfile.objects.select_related("village").filter(user=resident).first()
    if profile is None or profile.village is None:
        raise DomainError(
            _("Choose your desa or kelurahan in your profile first: it answers the request."),
            code="no_village",
        )
    now = timezone.now()
    correction = CorrectionRequest.objects.create(
        resident=resident,
        village=profile.village,
        what_is_wrong=what_is_wrong,
        should_be=should_be,
        created_at=now,
        due_at=now + CORRECTION_DEADLINE,
    )
    audit_record(
        actor=resident,
        action=AuditAction.CORRECTION_REQUESTED,
        village=profile.village,
        subject=resident,
        target=correction,
    )
    return correction


@transaction.atomic
def correction_decide(
    *, correction: CorrectionRequest, actor: User, done: bool, note: str = ""
) -> CorrectionRequest:
    """The operator marks a correction request done, or refuses it with a reason."""
    locked = (
        CorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("resident", "village")
        .get(pk=correction.pk)
    )
    if not rules.can_decide_correction(actor, locked):
        raise DomainError(
            _("Only an operator of the resident's village can answer this request."),
            code="forbidden",
        )
    if not locked.is_open:
        raise DomainError(
            _("This request is already answered: %(status)s.")
            % {"status": locked.get_status_display()},
            code="illegal_transition",
        )
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise DomainError(
            _("The note is too long (at most %(max)s characters).") % {"max": MAX_TEXT}
        )
    if not done and not note:
        raise DomainError(_("Write the reason for refusing."), code="reason_required")
    locked.status = CorrectionStatus.DONE if done else CorrectionStatus.REFUSED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        actor=actor,
        action=AuditAction.CORRECTION_DONE if done else AuditAction.CORRECTION_REFUSED,
        village=locked.village,
        subject=locked.resident,
        target=locked,
        data={"overdue": locked.due_at < locked.decided_at},
    )
    if locked.resident.email:
        email_queue(
            to=locked.resident.email,
            template="correction_decided",
            context={
                "name": locked.resident.full_name,
                "status": locked.get_status_display(),
                "note": note,
                "path": reverse("privacy:my-data"),
            },
        )
    return locked


# --- Closing the account (UU 27/2022 Art. 43) -------------------------------------------------


def _scrubber(identifiers: list[str]) -> re.Pattern[str] | None:
    """A pattern of the resident's NIK, KK number, email, phone and name (as whole words)."""
    parts = [re.escape(value) for value in identifiers if value and len(value) >= 3]
    if not parts:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) + r")(?!\w)", re.I
    )


def _scrub(text: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub(ERASED, text) if pattern is not None and text else text


def _sessions_end(user_id: int) -> None:
    """Delete the sessions of this account (database-backed engines can be searched; a
    session in the cache alone dies at its next request: the account is inactive)."""
    engine = import_module(settings.SESSION_ENGINE)
    if not settings.SESSION_ENGINE.endswith("db"):
        return
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user_id):
            engine.SessionStore(session.session_key).delete()


def _erase_issued_letter(letter: LetterRequest, *, today: dt.date) -> str:
    """Replace the stored PDF with the register's sheet (the original's SHA-256 stays, so
    that the holder's own copy is still recognised); the old file's name, to delete."""
    old_name = letter.document.name or ""
    letter.document.save(
        f"{letter.registration_number}.pdf",
        ContentFile(erased_letter_pdf(letter, erased_on=today)),
        save=False,
    )
    # Nothing left to keep valid for the long term: the archive no longer renews it.
    LetterArchive.objects.filter(request=letter).delete()
    return old_name


def _anonymise_request(letter: LetterRequest, pattern: re.Pattern[str] | None) -> list[str]:
    letter.applicant_nik = ""
    letter.applicant_name = ""
    letter.applicant_birth_place = ""
    letter.applicant_birth_date = ERASED_DATE
    letter.applicant_gender = ""
    letter.applicant_religion = ""
    letter.applicant_marital_status = ""
    letter.applicant_occupation = ""
    letter.applicant_citizenship = ""
    letter.applicant_address = ""
    letter.data = {}
    letter.status_note = _scrub(letter.status_note, pattern)
    fields = [
        "applicant_nik",
        "applicant_name",
        "applicant_birth_place",
        "applicant_birth_date",
        "applicant_gender",
        "applicant_religion",
        "applicant_marital_status",
        "applicant_occupation",
        "applicant_citizenship",
        "applicant_address",
        "data",
        "status_note",
        "updated_at",
    ]
    for event in LetterRequestEvent.objects.filter(request=letter).exclude(note=""):
        scrubbed = _scrub(event.note, pattern)
        if scrubbed != event.note:
            event.note = scrubbed
            event.save(update_fields=["note"])
    return fields


def _requests_settle(user: User) -> int:
    """Cancel what the village has not started on; refuse while it drafts a letter."""
    drafting = list(requests_in_progress(user).values_list("registration_number", flat=True))
    if drafting:
        raise DomainError(
            _(
                "The village is drafting your request %(numbers)s. The account can be "
                "closed once it is issued or rejected; or ask the village operator to "
                "reject it."
            )
            % {"numbers": ", ".join(drafting)},
            code="requests_in_progress",
        )
    cancelled = 0
    for request in closable_requests(user):
        transition_apply(request=request, action=RequestAction.CANCELLED, actor=user)
        cancelled += 1
    return cancelled


def _requests_anonymise(
    user: User, pattern: re.Pattern[str] | None, files_to_delete: list[str]
) -> int:
    """Anonymise every request of the account; the number of issued letters kept."""
    today = timezone.localdate()
    kept = 0
    for letter in account_requests(user).select_for_update(of=("self",)):
        fields = _anonymise_request(letter, pattern)
        if letter.is_issued:
            files_to_delete.append(_erase_issued_letter(letter, today=today))
            fields.append("document")
            kept += 1
        letter.save(update_fields=fields)
    return kept


def _corrections_withdraw(user: User, pattern: re.Pattern[str] | None) -> None:
    for correction in CorrectionRequest.objects.filter(resident=user):
        correction.what_is_wrong = ERASED
        correction.should_be = ERASED
        correction.decision_note = _scrub(correction.decision_note, pattern)
        if correction.is_open:
            correction.status = CorrectionStatus.WITHDRAWN
        correction.save(update_fields=["what_is_wrong", "should_be", "decision_note", "status"])


def _account_anonymise(user: User) -> None:
    """The row stays (the audit log points to it), with nothing of the person in it."""
    user.username = f"{user.pk:016d}"  # a resident's username is 16 digits; no NIK starts 00
    user.full_name = ""
    user.email = ""
    user.email_confirmed_at = None
    user.last_login = None
    user.is_active = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "username",
            "full_name",
            "email",
            "email_confirmed_at",
            "last_login",
            "is_active",
            "password",
        ]
    )


def account_close(*, user: User, password: str) -> AccountClosure:
    """Close a resident's account: requests still in Proses are cancelled through the
    lifecycle; with a request in Konsep (the village is drafting it) closing is refused.
    Personal data is erased (profile, KTP and KK files, emails, sessions) or anonymised
    (requests and letters, correction requests, the account row, which the audit log still
    points to). Issued letters keep verifying by their status."""
    if not rules.can_use_own_rights(user):
        raise DomainError(_("Only residents can close their account here."), code="forbidden")
    if not user.check_password(password):
        raise DomainError(_("The password is wrong."), code="wrong_password")
    files_to_delete: list[str] = []
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        cancelled = _requests_settle(user)
        profile = ResidentProfile.objects.filter(user=user).first()
        pattern = _scrubber(
            [
                user.username,
                user.email,
                user.full_name,
                profile.kk_number if profile else "",
                profile.phone if profile else "",
            ]
        )
        kept = _requests_anonymise(user, pattern, files_to_delete)
        _corrections_withdraw(user, pattern)
        emails_to(user).delete()
        if profile is not None:
            files_to_delete += [
                name for name in (profile.ktp_file.name, profile.kk_file.name) if name
            ]
            profile.delete()
        _account_anonymise(user)
        closure = AccountClosure.objects.create(
            user=user, requests_cancelled=cancelled, letters_kept=kept
        )
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT_CLOSED,
            subject=user,
            target=closure,
            data={"requests_cancelled": cancelled, "letters_kept": kept},
        )
        storage = default_storage
        user_id = user.pk

        def after_commit() -> None:
            for name in files_to_delete:
                storage.delete(name)
            _sessions_end(user_id)

        transaction.on_commit(after_commit)
    logger.info("account %s closed", user_id)
    return closure


# --- Retention ---------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    identity_documents: int = 0  # profiles whose KTP and KK files were deleted
    closed_accounts: int = 0  # closed accounts whose remaining rows were deleted
    requests: int = 0  # never-issued requests of those accounts
    sessions: int = 0  # expired sessions removed
    dry_run: bool = False

    @property
    def anything(self) -> bool:
        return bool(self.identity_documents or self.closed_accounts)

    def describe(self) -> str:
        prefix = "would purge" if self.dry_run else "purged"
        return (
            f"{prefix}: identity documents of {self.identity_documents} profiles, "
            f"{self.closed_accounts} closed accounts ({self.requests} requests), "
            f"{self.sessions} expired sessions"
        )


def _idle_since(cutoff: dt.datetime) -> Q:
    """Nothing happened to the profile since ``cutoff``: not verified, submitted, logged in."""
    return (
        (Q(status_changed_at__isnull=True) | Q(status_changed_at__lt=cutoff))
        & (Q(submitted_at__isnull=True) | Q(submitted_at__lt=cutoff))
        & (Q(user__last_login__isnull=True) | Q(user__last_login__lt=cutoff))
        & Q(user__date_joined__lt=cutoff)
    )


def identity_documents_due(now: dt.datetime) -> "list[int]":
    cutoff = now - dt.timedelta(days=settings.LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS)
    return list(
        ResidentProfile.objects.filter(_idle_since(cutoff))
        .filter(~Q(ktp_file="") | ~Q(kk_file=""))
        .values_list("pk", flat=True)
    )


def _identity_documents_purge(profile_id: int) -> bool:
    with transaction.atomic():
        profile = ResidentProfile.objects.select_for_update().filter(pk=profile_id).first()
        if profile is None or not (profile.ktp_file or profile.kk_file):
            return False
        names = [name for name in (profile.ktp_file.name, profile.kk_file.name) if name]
        storage = profile.ktp_file.storage
        profile.ktp_file = ""
        profile.kk_file = ""
        profile.save(update_fields=["ktp_file", "kk_file", "updated_at"])

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return True


def closed_accounts_due(now: dt.datetime) -> "list[int]":
    cutoff = now - dt.timedelta(days=settings.LDM_RETENTION_CLOSED_ACCOUNTS_DAYS)
    return list(
        AccountClosure.objects.filter(purged_at__isnull=True, closed_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )


_NEVER_ISSUED = (RequestStatus.DITOLAK, RequestStatus.DIBATALKAN)


def _closed_account_purge(closure_id: int) -> int | None:
    """Delete what is left of a closed account but the register's letters and the account
    row the audit log points to; the number of requests deleted, None if already done."""
    with transaction.atomic():
        closure = (
            AccountClosure.objects.select_for_update()
            .filter(pk=closure_id, purged_at__isnull=True)
            .first()
        )
        if closure is None:
            return None
        never_issued = LetterRequest.objects.filter(
            applicant_id=closure.user_id, status__in=_NEVER_ISSUED
        )
        deleted = never_issued.count()
        LetterRequestEvent.objects.filter(request__in=never_issued).delete()
        never_issued.delete()
        CorrectionRequest.objects.filter(resident_id=closure.user_id).delete()
        closure.purged_at = timezone.now()
        closure.save(update_fields=["purged_at"])
    return deleted


def _expired_sessions_clear() -> int:
    engine = import_module(settings.SESSION_ENGINE)
    if not settings.SESSION_ENGINE.endswith("db"):
        engine.SessionStore.clear_expired()
        return 0
    count = Session.objects.filter(expire_date__lt=timezone.now()).count()
    engine.SessionStore.clear_expired()
    return count


def retention_purge(*, dry_run: bool = False, now: dt.datetime | None = None) -> PurgeReport:
    """Delete the KTP and KK files of profiles idle for LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS
    (no verification, submission or login since), what remains of accounts closed more than
    LDM_RETENTION_CLOSED_ACCOUNTS_DAYS ago, and expired sessions. Idempotent: run twice, the
    second run finds nothing; one audit entry for a run that purged anything."""
    now = now or timezone.now()
    profiles = identity_documents_due(now)
    closures = closed_accounts_due(now)
    if dry_run:
        requests = LetterRequest.objects.filter(
            applicant__closure__pk__in=closures, status__in=_NEVER_ISSUED
        ).count()
        expired = Session.objects.filter(expire_date__lt=now).count()
        return PurgeReport(len(profiles), len(closures), requests, expired, dry_run=True)
    report = PurgeReport()
    for profile_id in profiles:
        if _identity_documents_purge(profile_id):
            report.identity_documents += 1
    for closure_id in closures:
        deleted = _closed_account_purge(closure_id)
        if deleted is not None:
            report.closed_accounts += 1
            report.requests += deleted
    report.sessions = _expired_sessions_clear()
    if report.anything:
        audit_record(
            actor=None,
            action=AuditAction.RETENTION_PURGED,
            data={
                "identity_documents": report.identity_documents,
                "closed_accounts": report.closed_accounts,
                "requests": report.requests,
            },
        )
    logger.info("retention: %s", report.describe())
    return report
