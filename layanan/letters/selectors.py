"""Reads of the letter catalogue and of requests, narrowed to what the asking user may see."""

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from layanan.accounts import rules as account_rules
from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import User
from layanan.letters import rules
from layanan.letters.models import (
    LetterCategory,
    LetterRequest,
    LetterRequestEvent,
    LetterType,
    RequestStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def letter_types_by_category() -> list[tuple["StrOrPromise", list[LetterType]]]:
    """Active letter types grouped as the guide lists them: keterangan, then pengantar."""
    types = list(LetterType.objects.active())
    return [
        (label, [t for t in types if t.category == value])
        for value, label in LetterCategory.choices
        if any(t.category == value for t in types)
    ]


def letter_type_public(code: str) -> QuerySet[LetterType]:
    return LetterType.objects.active().filter(code=code)


# --- Requests ----------------------------------------------------------------------------

_LIST_RELATED = ("letter_type", "village__district")


# What the lists show of a request (Riwayat, the inbox, the head's queue). Rows leave out the
# answers, the copy of the form and the letter type's texts: large, and unused there.
_LIST_FIELDS = (
    "registration_number",
    "status",
    "channel",
    "submitted_at",
    "applicant_name",
    "letter_type__name",
    "village__name",
    "village__district__name",
)


def requests_listed(queryset: QuerySet[LetterRequest]) -> QuerySet[LetterRequest]:
    """The rows of a list page: only the columns the lists show."""
    return queryset.select_related(*_LIST_RELATED).only(*_LIST_FIELDS)


def requests_of_resident(user: User) -> QuerySet[LetterRequest]:
    """A resident's history: their own requests, and walk-in requests made with their NIK
    before they had an account, once their profile is verified."""
    if not account_rules.is_resident(user):
        return LetterRequest.objects.none()
    mine = Q(applicant=user)
    profile = getattr(user, "profile", None)
    if profile is not None and profile.status == ProfileStatus.VERIFIED:
        mine |= Q(applicant__isnull=True, applicant_nik=user.username)
    return LetterRequest.objects.filter(mine).select_related(*_LIST_RELATED)


def requests_for_staff(user: User) -> QuerySet[LetterRequest]:
    """The requests of the staff member's own village; nothing for anyone else."""
    if not rules.can_work_on_requests(user):
        return LetterRequest.objects.none()
    return LetterRequest.objects.filter(village_id=user.village_id).select_related(*_LIST_RELATED)


def staff_request_or_404(
    user: User, number: str, *, related: tuple[str, ...] = ()
) -> LetterRequest:
    """The request with this registration number if the staff member's village has it;
    404 otherwise (another village's request is not found, not forbidden)."""
    queryset = requests_for_staff(user)
    if related:
        queryset = queryset.select_related(*related)
    return get_object_or_404(queryset, registration_number=number)


def request_submitted_with(*, creator: User, key: str | None) -> LetterRequest | None:
    """The request this person already made from the form page with this key, if any.

    Looked up by key and by the person together: somebody else's key finds nothing."""
    if not key:
        return None
    return (
        LetterRequest.objects.filter(created_by=creator, submission_key=key)
        .select_related("letter_type")
        .first()
    )


def drafts_to_sign(head: User) -> QuerySet[LetterRequest]:
    """The head's queue: drafts of their village, oldest first."""
    if not rules.can_sign(head):
        return LetterRequest.objects.none()
    return (
        LetterRequest.objects.filter(village_id=head.village_id, status=RequestStatus.KONSEP)
        .select_related("letter_type", "village")
        .order_by("submitted_at", "id")
    )


def request_search(queryset: QuerySet[LetterRequest], query: str) -> QuerySet[LetterRequest]:
    """Search by registration number, letter type or (for staff lists) applicant name/NIK."""
    query = (query or "").strip()
    if not query:
        return queryset
    condition = Q(letter_type__name__icontains=query) | Q(registration_number__startswith=query)
    condition |= Q(applicant_name__icontains=query)
    if query.isdigit() and len(query) == 16:
        condition |= Q(applicant_nik=query)
    return queryset.filter(condition)


def status_counts(queryset: QuerySet[LetterRequest]) -> dict[str, int]:
    """How many requests per status, in one query."""
    counts = dict.fromkeys(RequestStatus.values, 0)
    for row in queryset.order_by().values("status").annotate(n=Count("*")):
        counts[row["status"]] = row["n"]
    return counts


def village_status_counts(request: HttpRequest) -> dict[str, int]:
    """The staff member's village's requests per status, counted once per HTTP request (the
    menu's badges and the inbox's tabs both show them)."""
    counts = getattr(request, "_ldm_village_status_counts", None)
    if counts is None:
        user = request.user
        # An anonymous user (no village) sees nothing, as requests_for_staff would say.
        queryset = (
            requests_for_staff(user) if isinstance(user, User) else LetterRequest.objects.none()
        )
        counts = status_counts(queryset)
        setattr(request, "_ldm_village_status_counts", counts)  # noqa: B010 (a per-request cache)
    return counts


def resident_request_counts(user: User) -> dict[str, int]:
    """The Beranda counters: Proses, Konsep, Terbit."""
    counts = status_counts(requests_of_resident(user))
    return {key: counts[key] for key in ("proses", "konsep", "terbit")}


def request_timeline(request: LetterRequest) -> QuerySet[LetterRequestEvent]:
    return request.events.select_related("actor")


# --- Numbers: the counters' names and the highest numbers the data holds ---------------------


def registration_counter(day: dt.date) -> str:
    return f"registration:{day:%Y%m%d}"


def letter_counter(village_id: str, year: int) -> str:
    return f"letter:{village_id}:{year}"


def highest_registration(day: dt.date, *, using: str = "default") -> int:
    """The day's highest registration sequence in the data (0 if none)."""
    prefix = f"{day:%Y%m%d}"
    highest = (
        LetterRequest.objects.using(using)
        .filter(
            registration_number__gte=prefix + "00000", registration_number__lte=prefix + "99999"
        )
        .aggregate(highest=Max("registration_number"))["highest"]
    )
    return int(highest[8:]) if highest else 0


def highest_letter_sequence(village_id: str, year: int, *, using: str = "default") -> int:
    """The village's highest letter sequence of the year in the data (0 if none)."""
    return (
        LetterRequest.objects.using(using)
        .filter(village_id=village_id, letter_year=year, letter_sequence__isnull=False)
        .aggregate(highest=Max("letter_sequence"))["highest"]
        or 0
    )


def number_floors(*, using: str = "default") -> dict[str, int]:
    """Every counter the data needs, with the highest number the data holds for it: a
    counter must never be below (a backup's consistency check, a restore's repair)."""
    floors: dict[str, int] = {}
    letters = (
        LetterRequest.objects.using(using)
        .filter(letter_sequence__isnull=False)
        .values_list("village_id", "letter_year")
        .annotate(highest=Max("letter_sequence"))
        .order_by()
    )
    for village_id, year, highest in letters:
        floors[letter_counter(village_id, year)] = highest
    registrations = (
        LetterRequest.objects.using(using)
        .annotate(day=Substr("registration_number", 1, 8))
        .values_list("day")
        .annotate(highest=Max("registration_number"))
        .order_by()
    )
    for day, highest in registrations:
        floors[f"registration:{day}"] = int(highest[8:])
    return floors
