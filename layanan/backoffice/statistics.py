"""Statistics of letter requests for the back office (issue 8, part 3).

Figures are computed for a *scope* (the whole kabupaten, one kecamatan or one village) and
an optional period of submission. Every figure is an aggregate computed by the database:
the number of queries is fixed and no request is loaded as a model instance, however
many there are. The only figure that needs per-row values is the time from submission to
issue (median and 90th percentile): PostgreSQL computes it with ``percentile_cont``;
elsewhere (SQLite) the two timestamps of the issued letters are read and interpolated in
Python the same way, so that both give identical results.

Who may see which scope is decided here too (``statistics_scope_for``): village staff see
their own village only, whatever they ask for; the district admin chooses.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from layanan.accounts import rules as account_rules
from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, User
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.selectors import status_counts
from layanan.regions.models import District, Regency, Village, VillageKind, display_name
from layanan.regions.selectors import regency_of_deployment

KABUPATEN = "kabupaten"
KECAMATAN = "kecamatan"
DESA = "desa"
PERCENTILES = (0.5, 0.9)
WAITING_LIMIT = 10

# How each scope narrows a relation to a village.
_SCOPE_LOOKUP = {KABUPATEN: "district__regency_id", KECAMATAN: "district_id", DESA: "pk"}


# --- Scope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which villages the figures are about: all of a kabupaten, of a kecamatan, or one."""

    level: str
    code: str
    name: str

    def villages(self, relation: str = "village") -> Q:
        """A condition on ``relation`` (a foreign key to Village) that keeps this scope."""
        return Q(**{f"{relation}__{_SCOPE_LOOKUP[self.level]}": self.code})

    @property
    def is_village(self) -> bool:
        return self.level == DESA


def scope_of_regency(regency: Regency | None = None) -> Scope:
    code = regency.code if regency is not None else settings.LDM_REGENCY_CODE
    name = regency.display_name if regency is not None else code
    return Scope(KABUPATEN, code, name)


def scope_of_district(district: District) -> Scope:
    return Scope(KECAMATAN, district.code, f"{_('Kecamatan')} {district.display_name}")


def scope_of_village(village: Village) -> Scope:
    return Scope(DESA, village.code, str(village))


def statistics_scope_for(
    user: User,
    *,
    regency: Regency | None = None,
    district: District | None = None,
    village: Village | None = None,
) -> Scope:
    """The scope ``user`` may see. Village staff always get their own village: a district
    or village they ask for is ignored. The district admin gets what they ask for, within
    the kabupaten of this installation."""
    if account_rules.is_village_staff(user) and user.village is not None:
        return scope_of_village(user.village)
    if not account_rules.is_district_admin(user):
        raise PermissionDenied
    if village is not None and village.district.regency_id == settings.LDM_REGENCY_CODE:
        return scope_of_village(village)
    if district is not None and district.regency_id == settings.LDM_REGENCY_CODE:
        return scope_of_district(district)
    return scope_of_regency(regency or regency_of_deployment())


# --- Results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """One bar of a chart: a key (status, letter type code, month), its label and count."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class MonthCount:
    month: dt.date  # the first day of the month, in Asia/Jakarta
    count: int


@dataclass(frozen=True)
class AreaCount:
    """The requests of one kecamatan (in a kabupaten) or one village (in a kecamatan)."""

    code: str
    name: str
    total: int
    proses: int
    konsep: int
    terbit: int


@dataclass(frozen=True)
class WaitingRequest:
    registration_number: str
    status: str
    letter_type: str
    village: str
    submitted_at: dt.datetime
    age: dt.timedelta


@dataclass(frozen=True)
class RequestStatistics:
    scope: Scope
    start: dt.date | None
    end: dt.date | None
    computed_at: dt.datetime
    total: int
    by_status: list[Tally]
    by_type: list[Tally]
    by_month: list[MonthCount]
    by_area: list[AreaCount]
    issued: int  # letters issued (including those revoked later) among the requests
    median_to_issue: dt.timedelta | None
    p90_to_issue: dt.timedelta | None
    waiting_proses: list[WaitingRequest] = field(default_factory=list)
    waiting_konsep: list[WaitingRequest] = field(default_factory=list)
    profiles_waiting: int = 0
    profiles_oldest: dt.datetime | None = None

    @property
    def area_level(self) -> str | None:
        """What ``by_area`` lists: the kecamatan of a kabupaten, the villages of a kecamatan."""
        return {KABUPATEN: KECAMATAN, KECAMATAN: DESA}.get(self.scope.level)


# --- Queries ----------------------------------------------------------------------------


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_local_zone())


def requests_in_scope(
    scope: Scope, *, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[LetterRequest]:
    """The requests of the scope submitted from ``start`` to ``end`` (both days included,
    Asia/Jakarta), without ordering so that aggregates group cleanly."""
    requests = LetterRequest.objects.filter(scope.villages()).order_by()
    if start is not None:
        requests = requests.filter(submitted_at__gte=_day_start(start))
    if end is not None:
        requests = requests.filter(submitted_at__lt=_day_start(end + dt.timedelta(days=1)))
    return requests


def counts_by_status(requests: QuerySet[LetterRequest]) -> list[Tally]:
    counts = status_counts(requests)
    return [Tally(value, str(label), counts[value]) for value, label in RequestStatus.choices]


def counts_by_type(requests: QuerySet[LetterRequest]) -> list[Tally]:
    """The letter types that were requested, most requested first."""
    rows = (
        requests.values("letter_type__code", "letter_type__name")
        .annotate(n=Count("*"))
        .order_by("-n", "letter_type__name")
    )
    return [Tally(row["letter_type__code"], row["letter_type__name"], row["n"]) for row in rows]


def counts_by_month(requests: QuerySet[LetterRequest]) -> list[MonthCount]:
    """Requests per month of submission (Asia/Jakarta), from the first to the last month
    with a request, the months between without any included with zero."""
    rows = (
        requests.annotate(
            month=TruncMonth("submitted_at", tzinfo=_local_zone(), output_field=DateField())
        )
        .values("month")
        .annotate(n=Count("*"))
        .order_by("month")
    )
    found = {row["month"]: row["n"] for row in rows}
    if not found:
        return []
    months = []
    month, last = min(found), max(found)
    while month <= last:
        months.append(MonthCount(month, found.get(month, 0)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def counts_by_area(scope: Scope, requests: QuerySet[LetterRequest]) -> list[AreaCount]:
    """For a kabupaten: every kecamatan; for a kecamatan: every village; zeros included."""
    if scope.level == KABUPATEN:
        group, areas = "village__district_id", _districts(scope)
    elif scope.level == KECAMATAN:
        group, areas = "village_id", _villages(scope)
    else:
        return []
    # COUNT(*) and counts of the (never empty) status, not of the id: the indexes that
    # include the status then answer without reading the table (PostgreSQL, index-only).
    rows = requests.values(group).annotate(
        total=Count("*"),
        proses=Count("status", filter=Q(status=RequestStatus.PROSES)),
        konsep=Count("status", filter=Q(status=RequestStatus.KONSEP)),
        terbit=Count("status", filter=Q(status=RequestStatus.TERBIT)),
    )
    found = {row[group]: row for row in rows}
    empty = {"total": 0, "proses": 0, "konsep": 0, "terbit": 0}
    return [
        AreaCount(
            code,
            name,
            **{key: found.get(code, empty)[key] for key in empty},
        )
        for code, name in areas
    ]


def _districts(scope: Scope) -> list[tuple[str, str]]:
    rows = District.objects.filter(regency_id=scope.code).order_by("name", "code")
    return [(code, display_name(name)) for code, name in rows.values_list("code", "name")]


def _villages(scope: Scope) -> list[tuple[str, str]]:
    rows = Village.objects.filter(district_id=scope.code).order_by("name", "code")
    return [
        (code, f"{VillageKind(kind).label} {display_name(name)}")
        for code, name, kind in rows.values_list("code", "name", "kind")
    ]


# --- Time from submission to issue ---------------------------------------------------------


class _PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        # float() keeps the value that goes into the SQL text a number, never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _seconds_to_issue() -> Func:
    return Func(
        F("issued_at") - F("submitted_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    low_value, high_value = sorted_values[lower], sorted_values[upper]
    return low_value + (position - lower) * (high_value - low_value)


def _as_duration(seconds: float | None) -> dt.timedelta | None:
    # Whole seconds: the two ways of computing agree to the second, not to the last bit.
    return None if seconds is None else dt.timedelta(seconds=round(seconds))


def time_to_issue_in_python(
    requests: QuerySet[LetterRequest], fractions=PERCENTILES
) -> list[dt.timedelta | None]:
    """Percentiles of (issued_at - submitted_at) over the issued letters, read as pairs of
    timestamps (the only per-row values this module reads) and interpolated here."""
    pairs = requests.filter(issued_at__isnull=False).values_list("submitted_at", "issued_at")
    seconds = sorted(
        (issued - submitted) / dt.timedelta(microseconds=1) / 1_000_000
        for submitted, issued in pairs
        if issued is not None  # always so (filtered above): narrows the type
    )
    if not seconds:
        return [None for _fraction in fractions]
    return [_as_duration(percentile(seconds, fraction)) for fraction in fractions]


def time_to_issue_in_database(
    requests: QuerySet[LetterRequest], fractions=PERCENTILES
) -> list[dt.timedelta | None]:
    """The same percentiles computed by PostgreSQL in one aggregate query."""
    values = requests.filter(issued_at__isnull=False).aggregate(
        **{
            f"p{index}": _PercentileCont(_seconds_to_issue(), fraction)
            for index, fraction in enumerate(fractions)
        }
    )
    return [_as_duration(values[f"p{index}"]) for index in range(len(fractions))]


def time_to_issue(
    requests: QuerySet[LetterRequest], fractions=PERCENTILES
) -> list[dt.timedelta | None]:
    if connections[requests.db].vendor == "postgresql":
        return time_to_issue_in_database(requests, fractions)
    return time_to_issue_in_python(requests, fractions)


# --- What waits ---------------------------------------------------------------------------


def requests_waiting_longest(
    scope: Scope, status: str, *, now: dt.datetime, limit: int = WAITING_LIMIT
) -> list[WaitingRequest]:
    """The oldest requests of the scope that are still in ``status``, whenever submitted."""
    rows = (
        LetterRequest.objects.filter(scope.villages(), status=status)
        .order_by("submitted_at", "id")
        .values(
            "registration_number",
            "status",
            "submitted_at",
            "letter_type__name",
            "village__name",
            "village__kind",
        )[:limit]
    )
    return [
        WaitingRequest(
            registration_number=row["registration_number"],
            status=row["status"],
            letter_type=row["letter_type__name"],
            village=f"{VillageKind(row['village__kind']).label} "
            f"{display_name(row['village__name'])}",
            submitted_at=row["submitted_at"],
            age=now - row["submitted_at"],
        )
        for row in rows
    ]


def profiles_waiting_in_scope(scope: Scope) -> tuple[int, dt.datetime | None]:
    """How many complete profiles wait for verification, and since when the oldest waits
    (the same profiles as the operator's verification list)."""
    values = (
        ResidentProfile.objects.filter(scope.villages(), status=ProfileStatus.UNVERIFIED)
        .exclude(ktp_file="")
        .exclude(kk_file="")
        .order_by()
        .aggregate(n=Count("id"), oldest=Min("submitted_at"))
    )
    return values["n"], values["oldest"]


# --- Everything for a page or an export -----------------------------------------------------


def request_statistics_kept(
    *, scope: Scope, start: dt.date | None = None, end: dt.date | None = None
) -> RequestStatistics:
    """`request_statistics`, kept in the cache for a while for a kecamatan or the kabupaten
    (settings.LDM_STATISTICS_CACHE_SECONDS): the district admin reopening the page, or
    downloading what it shows, does not aggregate the whole table again. The figures hold
    counts and registration numbers only, no personal data."""
    seconds = settings.LDM_STATISTICS_CACHE_SECONDS
    if scope.is_village or seconds <= 0:
        return request_statistics(scope=scope, start=start, end=end)
    key = f"ldm:statistics:{scope.level}:{scope.code}:{start}:{end}:{get_language()}"
    stats = cache.get(key)
    if stats is None:
        stats = request_statistics(scope=scope, start=start, end=end)
        cache.set(key, stats, seconds)
    return stats


def request_statistics(
    *,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RequestStatistics:
    """All the figures of the statistics page, in a fixed number of aggregate queries."""
    now = now or timezone.now()
    requests = requests_in_scope(scope, start=start, end=end)
    by_status = counts_by_status(requests)
    counts = {row.key: row.count for row in by_status}
    median, p90 = time_to_issue(requests)
    profiles_waiting, profiles_oldest = profiles_waiting_in_scope(scope)
    return RequestStatistics(
        scope=scope,
        start=start,
        end=end,
        computed_at=now,
        total=sum(counts.values()),
        by_status=by_status,
        by_type=counts_by_type(requests),
        by_month=counts_by_month(requests),
        by_area=counts_by_area(scope, requests),
        issued=counts[RequestStatus.TERBIT] + counts[RequestStatus.DICABUT],
        median_to_issue=median,
        p90_to_issue=p90,
        waiting_proses=requests_waiting_longest(scope, RequestStatus.PROSES, now=now),
        waiting_konsep=requests_waiting_longest(scope, RequestStatus.KONSEP, now=now),
        profiles_waiting=profiles_waiting,
        profiles_oldest=profiles_oldest,
    )
