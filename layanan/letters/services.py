"""Writes of letters: the catalogue, requests and their lifecycle."""

import datetime as dt
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from layanan.accounts import rules as account_rules
from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.core.errors import DomainError
from layanan.core.services import counter_next
from layanan.letters import rules
from layanan.letters.fields import parse_schema, request_specs
from layanan.letters.lifecycle import transition_check
from layanan.letters.models import (
    LetterRequest,
    LetterRequestEvent,
    LetterType,
    LetterTypeVersion,
    RequestAction,
    RequestMode,
    RequestStatus,
)
from layanan.letters.selectors import (
    highest_registration,
    registration_counter,
    request_submitted_with,
)
from layanan.notifications.services import email_queue
from layanan.regions.models import Village

logger = logging.getLogger(__name__)

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue" / "letter_types.toml"

_FIELDS = (
    "name",
    "category",
    "mode",
    "summary",
    "description",
    "requirements",
    "process",
    "validity_amount",
    "validity_unit",
    "icon",
    "classification_code",
    "fields",
)


@dataclass(frozen=True)
class CatalogueLoadResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


@transaction.atomic
def letter_catalogue_load(
    *, path: Path = CATALOGUE_FILE, overwrite: bool = False
) -> CatalogueLoadResult:
    """Create the letter types of the catalogue file that are missing.

    Existing types belong to the Admin Kabupaten, who may have edited them: they are only
    overwritten with the file's texts when ``overwrite`` is asked for explicitly.
    """
    with path.open("rb") as handle:
        entries = tomllib.load(handle)["letter_type"]
    created, updated, unchanged = [], [], []
    for position, entry in enumerate(entries, start=1):
        values = {field: entry.get(field, []) for field in _FIELDS}
        parse_schema(values["fields"])  # a broken catalogue fails loudly, before any write
        values["position"] = position
        letter_type = LetterType.objects.filter(code=entry["code"]).first()
        if letter_type is not None and not letter_type.fields and values["fields"]:
            # Installations made before types had fields get them once; edits are kept.
            letter_type.fields = values["fields"]
            letter_type.save(update_fields=["fields"])
            updated.append(letter_type.code)
        elif letter_type is None:
            letter_type = LetterType(code=entry["code"], **values)
            letter_type.full_clean()
            letter_type.save()
            created.append(letter_type.code)
        elif overwrite and any(getattr(letter_type, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(letter_type, key, value)
            letter_type.full_clean()
            letter_type.save()
            updated.append(letter_type.code)
        else:
            unchanged.append(letter_type.code)
    return CatalogueLoadResult(created=created, updated=updated, unchanged=unchanged)


# --- Requests ----------------------------------------------------------------------------


def registration_number_next(*, when: dt.datetime | None = None) -> str:
    """YYYYMMDD + the day's 5-digit sequence (Asia/Jakarta day), e.g. 2022110600059."""
    day = timezone.localdate(when or timezone.now())
    sequence = counter_next(name=registration_counter(day), floor=lambda: highest_registration(day))
    return f"{day:%Y%m%d}{sequence:05d}"


@dataclass(frozen=True)
class ApplicantData:
    """The applicant as printed on the letter."""

    nik: str
    name: str
    birth_place: str
    birth_date: dt.date
    gender: str
    religion: str
    marital_status: str
    occupation: str
    citizenship: str
    address: str

    @classmethod
    def from_profile(cls, profile: ResidentProfile) -> "ApplicantData":
        return cls(
            nik=profile.user.username,
            name=profile.user.full_name,
            birth_place=profile.birth_place,
            birth_date=profile.birth_date,
            gender=profile.get_gender_display(),
            religion=profile.get_religion_display(),
            marital_status=profile.get_marital_status_display(),
            occupation=profile.get_occupation_display(),
            citizenship=profile.get_citizenship_display(),
            address=profile.full_address,
        )

    def as_fields(self) -> dict:
        return {f"applicant_{key}": value for key, value in self.__dict__.items()}


# The audit log's name of each step of a request's timeline.
AUDITED_AS = {
    RequestAction.SUBMITTED: AuditAction.REQUEST_SUBMITTED,
    RequestAction.REGISTERED: AuditAction.REQUEST_REGISTERED,
    RequestAction.ACCEPTED: AuditAction.REQUEST_ACCEPTED,
    RequestAction.REJECTED: AuditAction.REQUEST_REJECTED,
    RequestAction.CANCELLED: AuditAction.REQUEST_CANCELLED,
    RequestAction.RETURNED: AuditAction.REQUEST_RETURNED,
    RequestAction.ISSUED: AuditAction.REQUEST_ISSUED,
    RequestAction.REVOKED: AuditAction.REQUEST_REVOKED,
}


def _record(
    request: LetterRequest, *, actor: User, action: str, from_status: str, note: str = ""
) -> None:
    LetterRequestEvent.objects.create(
        request=request,
        created_at=timezone.now(),
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=request.status,
        note=note,
    )
    audit_record(
        actor=actor,
        action=AUDITED_AS[RequestAction(action)],
        village=request.village,
        subject=request.applicant,
        target=request,
        data={"from": from_status, "to": request.status},
    )


def _notify_applicant(request: LetterRequest) -> None:
    """Email the applicant (if they have an account) about the request's new status."""
    applicant = request.applicant  # None, without a query, when there is no account
    if applicant is None or not applicant.email:
        return
    email_queue(
        to=applicant.email,
        template="request_status",
        context={
            "name": applicant.full_name,
            "number": request.registration_number,
            "type_name": request.letter_type.name,
            "status": request.get_status_display(),
            "note": request.status_note if request.status == RequestStatus.DITOLAK else "",
            "path": reverse(
                "letters:request-detail", kwargs={"number": request.registration_number}
            ),
        },
    )


def _schema_checked(schema: list[dict], data: dict) -> None:
    """The answers' shape: known fields only, and a purpose. Forms check each value."""
    known = {spec.name for spec in request_specs(schema)}
    if set(data) - known:
        raise DomainError(_("The answers do not fit this letter type."), code="schema")
    if not str(data.get("keperluan", "")).strip():
        raise DomainError(_("Fill in the purpose (Keperluan) of the letter."), code="keperluan")


@transaction.atomic
def letter_request_submit(
    *, resident: User, letter_type: LetterType, data: dict, submission_key: str | None = None
) -> LetterRequest:
    """A resident asks online for a Mandiri letter (guide section 8).

    ``submission_key`` is the form page's key (forms.SubmissionKeyForm): posted again by the
    same resident, it returns the request made the first time and makes nothing new.
    """
    if not account_rules.is_resident(resident):
        raise DomainError(_("Only residents can apply online."), code="forbidden")
    earlier = request_submitted_with(creator=resident, key=submission_key)
    if earlier is not None:
        return earlier
    if not (letter_type.is_active and letter_type.is_mandiri):
        raise DomainError(
            _("This letter is requested at the village office, not online."), code="not_mandiri"
        )
    profile = ResidentProfile.objects.select_related("user", "village").get(user=resident)
    missing = profile.missing_fields()
    if missing or profile.village is None:  # a missing village is one of the missing fields
        raise DomainError(
            _("Complete your profile before applying. Still missing: %(missing)s.")
            % {"missing": ", ".join(missing)},
            code="incomplete_profile",
        )
    if profile.status == ProfileStatus.REJECTED:
        raise DomainError(
            _("Your profile was sent back by the operator: correct it before applying."),
            code="profile_rejected",
        )
    _schema_checked(letter_type.fields, data)
    request = _request_create(
        letter_type=letter_type,
        village=profile.village,
        applicant=ApplicantData.from_profile(profile),
        account=resident,
        data=data,
        created_by=resident,
        channel=RequestMode.MANDIRI,
        submission_key=submission_key,
    )
    logger.info("request %s submitted", request.pk)
    return request


@transaction.atomic
def letter_request_register_walk_in(
    *,
    operator: User,
    letter_type: LetterType,
    applicant: ApplicantData,
    data: dict,
    resident: User | None = None,
    submission_key: str | None = None,
) -> LetterRequest:
    """The operator registers a request at the counter; it starts in Konsep (DESIGN.md §4).

    The form page's ``submission_key`` posted again by the same operator returns the
    request registered the first time.
    """
    if not rules.can_register_walk_in(operator):
        raise DomainError(_("Only a village operator can register requests at the counter."))
    earlier = request_submitted_with(creator=operator, key=submission_key)
    if earlier is not None:
        return earlier
    if not letter_type.is_active:
        raise DomainError(_("This letter type is not available."), code="inactive")
    if resident is not None:
        profile = getattr(resident, "profile", None)
        if profile is None or profile.status != ProfileStatus.VERIFIED:
            raise DomainError(_("Verify this resident's profile first."), code="profile_unverified")
    _schema_checked(letter_type.fields, data)
    village = operator.village
    if village is None:  # can_register_walk_in asks for the operator's village
        raise DomainError(_("Only a village operator can register requests at the counter."))
    return _request_create(
        letter_type=letter_type,
        village=village,
        applicant=applicant,
        account=resident,
        data=data,
        created_by=operator,
        channel=RequestMode.DATANG_LANGSUNG,
        submission_key=submission_key,
    )


# Where a request starts, and the step its timeline starts with, by how it came in.
_START = {
    RequestMode.MANDIRI: (RequestStatus.PROSES, RequestAction.SUBMITTED),
    RequestMode.DATANG_LANGSUNG: (RequestStatus.KONSEP, RequestAction.REGISTERED),
}


def _request_create(
    *,
    letter_type: LetterType,
    village: Village,
    applicant: ApplicantData,
    account: User | None,
    data: dict,
    created_by: User,
    channel: RequestMode,
    submission_key: str | None,
) -> LetterRequest:
    """A new request with its registration number, first timeline step and audit entry;
    the applicant (if they have an account) is emailed after commit.

    Two posts of one form at the same moment both pass the callers' look-up of the key;
    the database's unique key lets one insert in, and the other gets the first's request.
    """
    status, action = _START[channel]
    try:
        # A savepoint: the clash undoes this insert (and its registration number) only.
        with transaction.atomic():
            request = LetterRequest.objects.create(
                registration_number=registration_number_next(),
                letter_type=letter_type,
                village=village,
                applicant=account,
                channel=channel,
                status=status,
                form_schema=letter_type.fields,
                data=data,
                submitted_at=timezone.now(),
                created_by=created_by,
                submission_key=submission_key or "",
                **applicant.as_fields(),
            )
    except IntegrityError:
        earlier = request_submitted_with(creator=created_by, key=submission_key)
        if earlier is None:
            raise
        logger.info("request %s: the same form was posted twice at once", earlier.pk)
        return earlier
    _record(request, actor=created_by, action=action, from_status="")
    _notify_applicant(request)
    return request


def request_lock(pk: int) -> LetterRequest:
    """The request, locked until the surrounding transaction ends."""
    return (
        LetterRequest.objects.select_for_update(of=("self",))
        .select_related("letter_type", "applicant", "village__district__regency__province")
        .get(pk=pk)
    )


def transition_apply(
    *,
    request: LetterRequest,
    action: str,
    actor: User,
    note: str = "",
    already_locked: bool = False,
    **changes: object,
) -> LetterRequest:
    """Move a request along the lifecycle table, or refuse and change nothing.

    Locks the request (unless the caller holds it from ``request_lock`` in the same
    transaction), checks its current status and the actor's right, saves only the changed
    columns, records the event and the audit entry, and emails the applicant after commit.
    ``changes`` are extra columns the caller sets in the same step.
    """
    note = (note or "").strip()
    with transaction.atomic():
        locked = request if already_locked else request_lock(request.pk)
        transition = transition_check(request=locked, action=action, actor=actor, note=note)
        from_status = locked.status
        locked.status = transition.target
        fields = ["status", "updated_at", *changes]
        if transition.target in (RequestStatus.DITOLAK, RequestStatus.DICABUT):
            locked.status_note = note
            fields.append("status_note")
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=fields)
        _record(locked, actor=actor, action=action, from_status=from_status, note=note)
        if from_status != locked.status:
            _notify_applicant(locked)
    return locked


def letter_request_accept(
    *, request: LetterRequest, operator: User, data: dict | None = None
) -> LetterRequest:
    """The operator accepts into Konsep, possibly correcting the answers (guide section 9)."""
    transition_check(request=request, action=RequestAction.ACCEPTED, actor=operator)
    with transaction.atomic():
        # Columns of mixed types; Any lets them unpack as transition_apply's keywords.
        changes: dict[str, Any] = {}
        if request.applicant_id is not None:
            profile = ResidentProfile.objects.select_related("user").get(user=request.applicant)
            if profile.status != ProfileStatus.VERIFIED:
                raise DomainError(
                    _("Verify the applicant's profile before accepting the request."),
                    code="profile_unverified",
                )
            # The letter shows the data the operator just checked.
            changes.update(ApplicantData.from_profile(profile).as_fields())
        corrected = data if data is not None and data != request.data else None
        if corrected is not None:
            _schema_checked(request.form_schema, corrected)
            changes["data"] = corrected
        accepted = transition_apply(
            request=request, action=RequestAction.ACCEPTED, actor=operator, **changes
        )
        if corrected is not None:
            LetterRequestEvent.objects.create(
                request=accepted,
                created_at=timezone.now(),
                actor=operator,
                action=RequestAction.CORRECTED,
                from_status=accepted.status,
                to_status=accepted.status,
            )
    return accepted


def letter_request_reject(*, request: LetterRequest, operator: User, reason: str) -> LetterRequest:
    return transition_apply(
        request=request, action=RequestAction.REJECTED, actor=operator, note=reason
    )


def letter_request_cancel(*, request: LetterRequest, resident: User) -> LetterRequest:
    return transition_apply(request=request, action=RequestAction.CANCELLED, actor=resident)


def letter_return(*, request: LetterRequest, head: User, note: str) -> LetterRequest:
    """The head sends a draft back to the operator with a note; it stays in Konsep."""
    return transition_apply(request=request, action=RequestAction.RETURNED, actor=head, note=note)


def letter_revoke(*, request: LetterRequest, actor: User, reason: str) -> LetterRequest:
    """Revoke an issued letter; its verification page says Dicabut with the reason."""
    return transition_apply(
        request=request,
        action=RequestAction.REVOKED,
        actor=actor,
        note=reason,
        revoked_at=timezone.now(),
    )


# --- Versions of letter types -------------------------------------------------------------

# What a letter depends on: an issued letter keeps the version it was issued with.
VERSIONED_FIELDS = (
    "name",
    "category",
    "mode",
    "fields",
    "body_template",
    "number_pattern",
    "classification_code",
    "validity_amount",
    "validity_unit",
)


def _snapshot(letter_type: LetterType) -> dict:
    return {name: getattr(letter_type, name) for name in VERSIONED_FIELDS}


def letter_type_version_current(
    letter_type: LetterType, *, actor: User | None = None
) -> LetterTypeVersion:
    """The version describing the type as it is now, recorded if it is new."""
    latest = letter_type.versions.order_by("-number").first()
    snapshot = _snapshot(letter_type)
    if latest is not None and latest.snapshot == snapshot:
        return latest
    return LetterTypeVersion.objects.create(
        letter_type=letter_type,
        number=latest.number + 1 if latest else 1,
        snapshot=snapshot,
        created_by=actor,
    )
