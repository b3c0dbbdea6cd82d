"""Generated letter requests with known times, and the figures expected from them.

The expected figures are computed here in plain Python over the generated list, without
any code of layanan.backoffice.statistics, so that the two can be compared.
"""

import datetime as dt
import random
import statistics
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.tests.factories import ResidentProfileFactory
from layanan.letters.models import LetterType, RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory
from layanan.regions.tests.factories import village_from_data

JAKARTA = ZoneInfo("Asia/Jakarta")
UTC = dt.UTC
TYPES = ("SK-DOMISILI", "SK-USAHA", "SP-SKCK")
# Kecamatan Batang holds Kauman and Kalisalak (the conftest's villages); Silurah is in
# Kecamatan Wonotunggal, also in Kabupaten Batang; Blumah is in Kabupaten Kendal (33.24).
SILURAH = "33.25.01.2001"
BLUMAH = "33.24.01.2001"
NOW = dt.datetime(2024, 9, 1, 8, 0, tzinfo=JAKARTA)
ISSUED = (RequestStatus.TERBIT, RequestStatus.DICABUT)


@dataclass(frozen=True)
class Spec:
    village: str
    letter_type: str
    status: str
    submitted_at: dt.datetime
    issued_at: dt.datetime | None


@dataclass(frozen=True)
class ProfileSpec:
    village: str
    submitted_at: dt.datetime
    waiting: bool  # complete and not yet verified


def make_specs(village_codes: list[str], *, count: int = 60, seed: int = 8) -> list[Spec]:
    """``count`` requests spread over the villages, statuses, types and 2024's months, with
    durations to issue in whole minutes, plus requests at the edges of months in Jakarta."""
    rng = random.Random(seed)
    statuses = list(RequestStatus.values)
    specs = []
    for index in range(count):
        status = statuses[index % len(statuses)] if index < 12 else rng.choice(statuses)
        submitted = dt.datetime(2024, 1, 1, tzinfo=JAKARTA) + dt.timedelta(
            days=rng.randrange(0, 220), minutes=rng.randrange(0, 24 * 60)
        )
        issued = (
            submitted + dt.timedelta(minutes=rng.randrange(20, 30 * 24 * 60))
            if status in ISSUED
            else None
        )
        specs.append(
            Spec(
                village_codes[index % len(village_codes)],
                rng.choice(TYPES),
                status,
                submitted,
                issued,
            )
        )
    first = village_codes[0]
    specs += [
        # 31 January 23:30 in Jakarta is 16:30 UTC: January.
        Spec(first, "SK-USAHA", "proses", dt.datetime(2024, 1, 31, 16, 30, tzinfo=UTC), None),
        # 29 February 17:30 UTC is 1 March 00:30 in Jakarta: March, not February.
        Spec(
            first,
            "SK-USAHA",
            "terbit",
            dt.datetime(2024, 2, 29, 17, 30, tzinfo=UTC),
            dt.datetime(2024, 3, 2, 17, 30, tzinfo=UTC),
        ),
    ]
    return specs


def make_profile_specs(village_codes: list[str]) -> list[ProfileSpec]:
    specs = []
    for index, code in enumerate(village_codes):
        for offset in range(index + 2):
            specs.append(
                ProfileSpec(
                    code,
                    dt.datetime(2024, 5, 1 + offset, 9, index, tzinfo=JAKARTA),
                    waiting=offset != 1,  # the second of each village is already verified
                )
            )
    return specs


def create(specs: list[Spec], profile_specs: list[ProfileSpec]):
    """Create the rows. Every village has one extra resident (verified) who applies."""
    villages = {code: village_from_data(code) for code in {s.village for s in specs}}
    villages |= {code: village_from_data(code) for code in {p.village for p in profile_specs}}
    applicants = {
        code: ResidentProfileFactory(village=village, status=ProfileStatus.VERIFIED).user
        for code, village in villages.items()
    }
    for profile_spec in profile_specs:
        ResidentProfileFactory(
            village=villages[profile_spec.village],
            submitted_at=profile_spec.submitted_at,
            status=ProfileStatus.UNVERIFIED if profile_spec.waiting else ProfileStatus.VERIFIED,
        )
    if profile_specs:
        # An incomplete profile (no KK) does not wait for the operator yet.
        ResidentProfileFactory(village=villages[profile_specs[0].village], kk_file="")
    types = {code: LetterType.objects.get(code=code) for code in TYPES}
    created = []
    for spec in specs:
        extra: dict[str, object] = {"issued_at": spec.issued_at}
        if spec.status in (RequestStatus.DITOLAK, RequestStatus.DICABUT):
            extra["status_note"] = "Persyaratan tidak lengkap"
        created.append(
            LetterRequestFactory(
                applicant=applicants[spec.village],
                village=villages[spec.village],
                letter_type=types[spec.letter_type],
                status=spec.status,
                submitted_at=spec.submitted_at,
                **extra,
            )
        )
    return created


# --- Expected figures, in plain Python ------------------------------------------------------


def only(specs, codes):
    return [spec for spec in specs if spec.village in codes]


def in_period(specs, start=None, end=None):
    def local_day(spec):
        return spec.submitted_at.astimezone(JAKARTA).date()

    return [
        spec
        for spec in specs
        if (start is None or local_day(spec) >= start) and (end is None or local_day(spec) <= end)
    ]


def by_status(specs) -> dict[str, int]:
    counts = Counter(spec.status for spec in specs)
    return {status: counts.get(status, 0) for status in RequestStatus.values}


def by_type(specs) -> dict[str, int]:
    return dict(Counter(spec.letter_type for spec in specs))


def by_month(specs) -> dict[dt.date, int]:
    return dict(
        Counter(spec.submitted_at.astimezone(JAKARTA).date().replace(day=1) for spec in specs)
    )


def durations_seconds(specs) -> list[float]:
    return [
        (spec.issued_at - spec.submitted_at).total_seconds()
        for spec in specs
        if spec.issued_at is not None
    ]


def median_and_p90(specs) -> tuple[dt.timedelta | None, dt.timedelta | None]:
    """statistics.quantiles(method="inclusive") interpolates as PostgreSQL's percentile_cont."""
    values = durations_seconds(specs)
    if not values:
        return None, None
    if len(values) == 1:
        return dt.timedelta(seconds=values[0]), dt.timedelta(seconds=values[0])
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return (
        dt.timedelta(seconds=round(statistics.median(values))),
        dt.timedelta(seconds=round(deciles[8])),
    )


def oldest(specs, status, limit=10) -> list[dt.datetime]:
    return sorted(spec.submitted_at for spec in specs if spec.status == status)[:limit]


def profiles_waiting(profile_specs, codes) -> tuple[int, dt.datetime | None]:
    waiting = [p.submitted_at for p in profile_specs if p.village in codes and p.waiting]
    return len(waiting), min(waiting, default=None)
