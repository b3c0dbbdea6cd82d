"""Reads of the audit log for its viewer (the district admin's "Log Audit")."""

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet

from layanan.accounts.models import Role, User
from layanan.audit.models import AuditEntry
from layanan.regions.models import Village


@dataclass(frozen=True)
class AuditFilter:
    """What the viewer asks for; every part is optional."""

    actor: str = ""  # part of a staff username, or of anyone's name
    village: Village | None = None
    resident: User | None = None
    action: str = ""
    start: dt.date | None = None  # days in Asia/Jakarta, both included
    end: dt.date | None = None

    def summary(self) -> dict[str, bool | str]:
        """The filter as recorded in the log: no NIK, no free text, only what was used."""
        used: dict[str, bool | str] = {}
        if self.actor:
            used["actor"] = True
        if self.village is not None:
            used["village"] = self.village.code
        if self.resident is not None:
            used["resident_by_nik"] = True
        if self.action:
            used["action"] = self.action
        if self.start is not None:
            used["from"] = self.start.isoformat()
        if self.end is not None:
            used["to"] = self.end.isoformat()
        return used


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def audit_entries(audit_filter: AuditFilter) -> QuerySet[AuditEntry]:
    """The entries matching the filter, newest first."""
    entries = AuditEntry.objects.select_related("actor", "village", "subject").order_by("-id")
    if audit_filter.actor:
        # A resident's username is their NIK: residents are found by name only here, and by
        # NIK through the resident filter.
        text = audit_filter.actor
        entries = entries.filter(
            Q(actor__full_name__icontains=text)
            | (Q(actor__username__icontains=text) & ~Q(actor__role=Role.RESIDENT))
        )
    if audit_filter.village is not None:
        entries = entries.filter(village=audit_filter.village)
    if audit_filter.resident is not None:
        entries = entries.filter(subject=audit_filter.resident)
    if audit_filter.action:
        entries = entries.filter(action=audit_filter.action)
    if audit_filter.start is not None:
        entries = entries.filter(created_at__gte=_day_start(audit_filter.start))
    if audit_filter.end is not None:
        entries = entries.filter(created_at__lt=_day_start(audit_filter.end + dt.timedelta(days=1)))
    return entries


def audit_actions() -> list[str]:
    """Every action code present in the log, for the action filter."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def resident_by_nik(nik: str) -> User | None:
    """The resident whose NIK (their username) this is, with their profile."""
    return User.objects.filter(role=Role.RESIDENT, username=nik).select_related("profile").first()


def resident_by_public_id(public_id: uuid.UUID) -> User | None:
    """The resident behind a profile's public id: how the viewer's links name a resident,
    so that a NIK never appears in an address, a server log or the browser's history."""
    return User.objects.filter(role=Role.RESIDENT, profile__public_id=public_id).first()


def audit_villages() -> QuerySet[Village]:
    """The villages of this installation's kabupaten, by kecamatan."""
    return (
        Village.objects.filter(district__regency_id=settings.LDM_REGENCY_CODE)
        .select_related("district")
        .order_by("district__name", "name", "code")
    )
