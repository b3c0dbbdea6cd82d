"""Reads of the residents' rights: everything the system holds about one resident (the
"Data Saya" export), and the correction requests a village operator answers."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from layanan.accounts.choices import DocumentKind
from layanan.accounts.models import ResidentProfile, User
from layanan.audit.models import AuditAction, AuditEntry
from layanan.letters.fields import DisplayRow, display_rows
from layanan.letters.models import LetterRequest, RequestAction, RequestStatus
from layanan.letters.selectors import requests_of_resident
from layanan.notifications.models import OutgoingEmail
from layanan.privacy import rules
from layanan.privacy.models import CorrectionRequest, CorrectionStatus

# The audit actions that say a member of staff opened the resident's data.
ACCESS_ACTIONS = (AuditAction.PROFILE_VIEWED, AuditAction.DOCUMENT_VIEWED)


def _moment(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: User | None) -> dict[str, str] | None:
    """Who acted, as the resident may know it: name, role and village of the staff member."""
    if user is None:
        return None
    return {
        "name": user.full_name,
        "role": str(user.get_role_display()),
        "village": str(user.village) if user.village_id else "",
    }


def identity_document_files(profile: ResidentProfile) -> list[tuple[str, Any]]:
    """(name in the export, stored file) of the KTP and KK the resident uploaded."""
    files = []
    for kind in DocumentKind.values:
        file = profile.document(kind)
        if file:
            files.append((f"{kind}.{file.name.rsplit('.', 1)[-1]}", file))
    return files


def _profile_data(user: User, profile: ResidentProfile | None) -> dict[str, Any]:
    account = {
        "nik": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "email_confirmed_at": _moment(user.email_confirmed_at),
        "registered_at": _moment(user.date_joined),
        "last_login": _moment(user.last_login),
    }
    if profile is None:
        return {"account": account, "profile": None}
    village = profile.village
    return {
        "account": account,
        "profile": {
            "birth_place": profile.birth_place,
            "birth_date": _day(profile.birth_date),
            "sex": profile.get_gender_display(),
            "address": profile.address,
            "rt": profile.rt,
            "rw": profile.rw,
            "phone": profile.phone,
            "kk_number": profile.kk_number,
            "education": profile.get_education_display(),
            "marital_status": profile.get_marital_status_display(),
            "religion": profile.get_religion_display(),
            "occupation": profile.get_occupation_display(),
            "citizenship": profile.get_citizenship_display(),
            "village": str(village) if village else "",
            "kecamatan": str(village.district) if village else "",
            "verification_status": str(profile.get_status_display()),
            "rejection_reason": profile.rejection_reason,
            "status_changed_at": _moment(profile.status_changed_at),
            "submitted_at": _moment(profile.submitted_at),
            "identity_documents": [name for name, _file in identity_document_files(profile)],
        },
    }


def _letter(request: LetterRequest) -> dict[str, Any] | None:
    if request.status not in (RequestStatus.TERBIT, RequestStatus.DICABUT):
        return None
    return {
        "number": request.letter_number,
        "issued_at": _moment(request.issued_at),
        "valid_from": _day(request.valid_from),
        "valid_until": _day(request.valid_until),
        "signer": request.signer_name,
        "signer_title": request.signer_title,
        "revoked_at": _moment(request.revoked_at),
        "verification_url": (
            f"{settings.LDM_PUBLIC_URL}"
            f"{reverse('verification:letter', kwargs={'token': request.verification_token})}"
        ),
        "pdf_url": (
            f"{settings.LDM_PUBLIC_URL}"
            f"{reverse('documents:download', kwargs={'number': request.registration_number})}"
        ),
    }


def _answer(row: DisplayRow) -> dict[str, Any]:
    if row.is_table:
        return {
            "label": str(row.label),
            "headers": [str(h) for h in row.table_headers],
            "rows": [list(r) for r in row.table_rows],
        }
    return {"label": str(row.label), "value": row.value}


def _requests_data(user: User) -> list[dict[str, Any]]:
    requests = (
        requests_of_resident(user)
        .select_related("letter_type", "village__district")
        .prefetch_related("events__actor__village")
        .order_by("submitted_at", "id")
    )
    result = []
    for request in requests:
        result.append(
            {
                "registration_number": request.registration_number,
                "letter_type": request.letter_type.name,
                "village": str(request.village),
                "channel": str(request.get_channel_display()),
                "status": str(request.get_status_display()),
                "status_note": request.status_note,
                "submitted_at": _moment(request.submitted_at),
                "applicant": {
                    "nik": request.applicant_nik,
                    "name": request.applicant_name,
                    "birth_place": request.applicant_birth_place,
                    "birth_date": _day(request.applicant_birth_date),
                    "sex": request.applicant_gender,
                    "religion": request.applicant_religion,
                    "marital_status": request.applicant_marital_status,
                    "occupation": request.applicant_occupation,
                    "citizenship": request.applicant_citizenship,
                    "address": request.applicant_address,
                },
                "answers": [
                    _answer(row) for row in display_rows(request.form_schema, request.data)
                ],
                "letter": _letter(request),
                "events": [
                    {
                        "time": _moment(event.created_at),
                        "code": event.action,
                        "action": str(RequestAction(event.action).label),
                        "from": event.from_status,
                        "to": event.to_status,
                        "note": event.note,
                        # The resident's own steps are theirs; staff are named.
                        "by": None if event.actor_id == user.pk else _person(event.actor),
                    }
                    for event in request.events.all()
                ],
            }
        )
    return result


def emails_to(user: User) -> QuerySet[OutgoingEmail]:
    if not user.email:
        return OutgoingEmail.objects.none()
    return OutgoingEmail.objects.filter(to__iexact=user.email)


def access_log(user: User) -> QuerySet[AuditEntry]:
    """Every time a member of staff opened the resident's profile, KTP or KK."""
    return (
        AuditEntry.objects.filter(subject=user, action__in=ACCESS_ACTIONS)
        .exclude(actor=user)
        .select_related("actor__village")
        .order_by("created_at", "id")
    )


def _audit_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "time": _moment(entry.created_at),
        "code": entry.action,
        "action": AuditAction.label_of(entry.action),
        "document": entry.data.get("document", ""),
        "by": _person(entry.actor),
    }


def corrections_of_resident(user: User) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(resident=user).order_by("-created_at", "-id")


def resident_data(user: User) -> dict[str, Any]:
    """Everything the system holds about this resident, as JSON-ready values: their account
    and profile, the names of their identity documents, their requests with each step and
    letter, the emails sent to them, who of the staff opened their data, what else the audit
    log records about them, and their correction requests. Nothing about anyone else: staff
    are named only where they acted on this resident's data."""
    profile = ResidentProfile.objects.select_related("village__district").filter(user=user).first()
    entries = (
        AuditEntry.objects.filter(subject=user)
        .select_related("actor__village")
        .order_by("created_at", "id")
    )
    return {
        "generated_at": _moment(timezone.now()),
        **_profile_data(user, profile),
        "requests": _requests_data(user),
        "emails": [
            {
                "time": _moment(email.created_at),
                "kind": email.kind,
                "subject": email.subject,
                "status": str(email.get_status_display()),
                "sent_at": _moment(email.sent_at),
            }
            for email in emails_to(user).order_by("created_at", "id")
        ],
        "access_log": [_audit_row(entry) for entry in access_log(user)],
        "audit": [
            _audit_row(entry)
            for entry in entries
            if entry.action not in ACCESS_ACTIONS or entry.actor_id == user.pk
        ],
        "corrections": [
            {
                "asked_at": _moment(correction.created_at),
                "what_is_wrong": correction.what_is_wrong,
                "should_be": correction.should_be,
                "status": str(correction.get_status_display()),
                "due_at": _moment(correction.due_at),
                "decided_at": _moment(correction.decided_at),
                "note": correction.decision_note,
            }
            for correction in corrections_of_resident(user).order_by("created_at", "id")
        ],
    }


def corrections_for_staff(user: User) -> QuerySet[CorrectionRequest]:
    """The correction requests of the operator's own village; nothing for anyone else."""
    if not rules.can_handle_corrections(user):
        return CorrectionRequest.objects.none()
    return CorrectionRequest.objects.filter(village_id=user.village_id).select_related(
        "resident__profile", "decided_by"
    )


def corrections_open(user: User) -> QuerySet[CorrectionRequest]:
    """What the operator still has to answer, the most urgent first."""
    return corrections_for_staff(user).filter(status=CorrectionStatus.OPEN).order_by("due_at", "id")


def requests_in_progress(user: User) -> QuerySet[LetterRequest]:
    """The resident's requests the village is working on (Konsep): closing waits for them."""
    return requests_of_resident(user).filter(status=RequestStatus.KONSEP)


def closable_requests(user: User) -> QuerySet[LetterRequest]:
    """Requests a closing cancels (still in Proses, which the applicant may cancel)."""
    return requests_of_resident(user).filter(status=RequestStatus.PROSES)


def account_requests(user: User) -> QuerySet[LetterRequest]:
    """All requests a closing anonymises: the resident's own and those made with their NIK
    at the counter that they own (``requests_of_resident``)."""
    return LetterRequest.objects.filter(
        Q(pk__in=requests_of_resident(user).values("pk"))
    ).select_related("letter_type", "village__district")
