"""Fictional data at production size, for load tests and for reading query plans.

`data_generate` adds residents (accounts with valid NIKs and profiles), a few staff per
village and letter requests in every status over the villages of the deployment's kabupaten
and the last two years, as the site itself would have written them: registration numbers
from the daily counters, issued letters with numbers from the villages' yearly counters,
verification tokens, SHA-256 digests, validity and signer, and a timeline per request. Every
person is invented (Faker's Indonesian names); issued letters all point to one sample PDF.

It adds to what is there (run it twice for twice the data) and moves the counters past
what it used, so that the site goes on numbering after it. Rows are written in batches:
with PostgreSQL's COPY, with multi-row INSERTs elsewhere. Run it on a quiet database: it
takes the next ids itself.
"""

import datetime as dt
import hashlib
import json
import random
import secrets
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Field, JSONField, Max, Model
from django.utils import timezone
from faker import Faker

from layanan.accounts.choices import (
    OCCUPATIONS,
    Citizenship,
    Education,
    MaritalStatus,
    ProfileStatus,
    Religion,
)
from layanan.accounts.models import ResidentProfile, Role, User
from layanan.core.models import Counter
from layanan.letters.models import (
    LetterRequest,
    LetterRequestEvent,
    LetterType,
    RequestAction,
    RequestMode,
    RequestStatus,
)
from layanan.letters.numbers import number_format
from layanan.letters.services import letter_catalogue_load
from layanan.regions.models import Village
from layanan.regions.services import regions_load_regency

BATCH = 10_000
DAYS = 730
SAMPLE_LETTER = "surat/contoh/surat-contoh.pdf"
SAMPLE_KTP = "identitas/contoh/ktp-contoh.jpg"
SAMPLE_KK = "identitas/contoh/kk-contoh.jpg"
PURPOSES = (
    "Mengurus Dokumen Perizinan Berusaha",
    "Persyaratan melamar pekerjaan",
    "Pendaftaran sekolah anak",
    "Pengajuan kredit usaha rakyat",
    "Mengurus BPJS Kesehatan",
    "Persyaratan pernikahan",
    "Mengurus akta kelahiran",
    "Pengajuan beasiswa",
    "Pembukaan rekening bank",
    "Mengurus balik nama sertifikat tanah",
)
REJECTIONS = (
    "Data tidak sesuai dengan KK",
    "Dokumen persyaratan belum lengkap",
    "Permohonan ganda",
)
PROFILE_REJECTIONS = ("Foto KTP tidak terbaca", "Nomor KK tidak sesuai dokumen")
# Status of a request by its age: recent ones are still being worked on.
RECENT_STATUSES = (
    (RequestStatus.PROSES, 40),
    (RequestStatus.KONSEP, 25),
    (RequestStatus.TERBIT, 28),
    (RequestStatus.DITOLAK, 4),
    (RequestStatus.DIBATALKAN, 3),
)
# Older requests were dealt with long ago; a few stay forgotten in a queue.
OLD_STATUSES = (
    (RequestStatus.TERBIT, 802),
    (RequestStatus.DITOLAK, 90),
    (RequestStatus.DIBATALKAN, 80),
    (RequestStatus.DICABUT, 20),
    (RequestStatus.PROSES, 3),
    (RequestStatus.KONSEP, 5),
)
RECENT_DAYS = 14
OCCUPATION_LABELS = dict(OCCUPATIONS)


@dataclass
class GenerateResult:
    residents: int = 0
    staff: int = 0
    requests: int = 0
    events: int = 0
    by_status: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class _Resident:
    user_id: int
    nik: str
    name: str
    birth_place: str
    birth_date: dt.date
    gender: str
    religion: str
    marital_status: str
    occupation: str
    address: str
    village_code: str
    verified: bool


def data_generate(
    *,
    residents: int,
    requests: int,
    staff_per_village: int = 2,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerateResult:
    """Add ``residents`` residents and ``requests`` letter requests (see the module doc)."""
    progress = progress or _quiet
    rng = random.Random(seed)  # noqa: S311 - fictional data, not secrets
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    regions_load_regency(code=settings.LDM_REGENCY_CODE)
    letter_catalogue_load()
    villages = list(
        Village.objects.filter(district__regency_id=settings.LDM_REGENCY_CODE).select_related(
            "district"
        )
    )
    if not villages:
        raise ValueError(f"no villages for regency {settings.LDM_REGENCY_CODE}")
    _sample_files()
    result = GenerateResult()
    pools = _Pools(fake, rng)
    heads = _staff_create(villages, staff_per_village, rng, pools, result)
    progress(f"staff: {result.staff} accounts in {len(villages)} villages")
    people = _residents_create(residents, villages, rng, pools, result, progress)
    progress(f"residents: {result.residents}")
    if requests and people:
        _requests_create(requests, people, villages, heads, rng, pools, result, progress)
    progress(f"requests: {result.requests}, events: {result.events}")
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner, and the visibility map that index-only scans
        # (counts per status, statistics) need.
        # VACUUM cannot run in a transaction (a test's): ANALYZE alone then.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in (User, ResidentProfile, LetterRequest, LetterRequestEvent):
                cursor.execute(f"{command} {model._meta.db_table}")
    return result


def _quiet(message: str) -> None:
    """No progress reports."""


# --- Names, addresses ---------------------------------------------------------------------


class _Pools:
    """Faker is slow per call: draw pools once and combine them."""

    def __init__(self, fake: Faker, rng: random.Random):
        self.rng = rng
        self.male = [fake.first_name_male() for _ in range(400)]
        self.female = [fake.first_name_female() for _ in range(400)]
        self.last = [fake.last_name() for _ in range(600)]
        self.streets = [fake.street_name() for _ in range(500)]
        self.places = ["BATANG", "PEKALONGAN", "KENDAL", "SEMARANG", "WONOSOBO", "JAKARTA"]

    def name(self, female: bool) -> str:
        first = self.rng.choice(self.female if female else self.male)
        return f"{first} {self.rng.choice(self.last)}".upper()

    def address(self) -> str:
        return f"{self.rng.choice(self.streets)} No. {self.rng.randint(1, 200)}"


# --- Writing rows -------------------------------------------------------------------------


class _Table:
    """A model's table as the generator writes it: its columns come from the model's
    ``_meta``, so a new field either gets its default (or NULL) or stops the generator with
    its name, instead of the rows silently missing a column."""

    def __init__(self, model: type[Model], given: Iterable[str]):
        given = set(given)
        fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in given)
        ]
        unknown = given - {f.name for f in fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        for column in fields:
            if column.name not in given and not (column.null or column.has_default()):
                raise ValueError(f"the generator gives no value for {model.__name__}.{column.name}")
        self.fields = fields
        self.given = given
        self.name = model._meta.db_table
        self.columns = [column.column or column.name for column in fields]

    def row(self, values: dict) -> tuple:
        if values.keys() != self.given:
            raise ValueError(f"a row of {self.name} has other fields than the first")
        return tuple(
            values[column.name] if column.name in values else self._default(column)
            for column in self.fields
        )

    @staticmethod
    def _default(column: Field) -> object:
        value = column.get_default() if column.has_default() else None
        return _json(value) if isinstance(column, JSONField) and value is not None else value


def _insert(model: type[Model], rows: Iterable[dict[str, object]]) -> int:
    """Write rows (field name -> value, foreign keys as ids) in batches; return how many."""
    table: _Table | None = None
    count = 0
    batch: list[tuple] = []
    for values in rows:
        table = table or _Table(model, values)
        batch.append(table.row(values))
        if len(batch) >= BATCH:
            count += _write(table.name, table.columns, batch)
            batch = []
    if batch and table is not None:
        count += _write(table.name, table.columns, batch)
    return count


def _write(table: str, columns: list[str], rows: list[tuple]) -> int:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608
                [tuple(map(_adapt, row)) for row in rows],
            )
    return len(rows)


def _adapt(value: Any) -> Any:
    """A value as Django itself would send it to a database without COPY (SQLite)."""
    ops = connection.ops
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def _next_ids(model: type[Model], count: int) -> Iterator[int]:
    """Ids for ``count`` new rows, and the table's sequence moved past them."""
    start = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start + count]
            )
    return iter(range(start, start + count))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sample_files() -> None:
    """One sample PDF and one KTP/KK image, shared by all generated rows."""
    samples = {
        SAMPLE_LETTER: b"%PDF-1.7\n% contoh surat (data fiktif)\n%%EOF\n",
        SAMPLE_KTP: b"\xff\xd8\xff\xe0 contoh KTP fiktif",
        SAMPLE_KK: b"\xff\xd8\xff\xe0 contoh KK fiktif",
    }
    for name, content in samples.items():
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))


# --- Staff ---------------------------------------------------------------------------------


def _staff_create(
    villages: list[Village],
    per_village: int,
    rng: random.Random,
    pools: _Pools,
    result: GenerateResult,
) -> dict[str, tuple[int, str]]:
    """A head and ``per_village`` operators for each village that has none; returns each
    village's head as (user id, name)."""
    existing = set(
        User.objects.filter(role__in=[Role.OPERATOR, Role.HEAD]).values_list("username", flat=True)
    )
    password = make_password(None)  # nobody can log in until a password is set
    now = timezone.now()
    rows = []
    # One active head per village (a database constraint): only villages without one get one.
    headed = set(
        User.objects.filter(role=Role.HEAD, is_active=True).values_list("village", flat=True)
    )
    for village in villages:
        digits = village.code.replace(".", "")
        wanted = [(f"operator{n}.{digits}", Role.OPERATOR) for n in range(1, per_village + 1)]
        if village.code not in headed:
            wanted.append((f"kades.{digits}", Role.HEAD))
        rows += [(u, r, village.code) for u, r in wanted if u not in existing]
    ids = _next_ids(User, len(rows))
    result.staff += _insert(
        User,
        (
            {
                "id": next(ids),
                "username": username,
                "full_name": pools.name(rng.random() < 0.4),
                "email": f"{username}@contoh.example",
                "role": role,
                "village": code,
                "is_active": True,
                "is_superuser": False,
                "password": password,
                "date_joined": now,
                "staff_nik": "",
                # Staff accounts are made and confirmed by the Admin Kabupaten.
                "email_confirmed_at": now,
            }
            for username, role, code in rows
        ),
    )
    heads: dict[str, tuple[int, str]] = {}
    for user_id, name, code in User.objects.filter(role=Role.HEAD, is_active=True).values_list(
        "id", "full_name", "village_id"
    ):
        heads.setdefault(code, (user_id, name))
    return heads


# --- Residents -----------------------------------------------------------------------------


def _residents_create(
    count: int,
    villages: list[Village],
    rng: random.Random,
    pools: _Pools,
    result: GenerateResult,
    progress: Callable[[str], None],
) -> list[_Resident]:
    taken = set(User.objects.filter(role=Role.RESIDENT).values_list("username", flat=True))
    emails_from = User.objects.count()
    user_ids = _next_ids(User, count)
    profile_ids = _next_ids(ResidentProfile, count)
    password = make_password(None)
    now = timezone.now()
    today = timezone.localdate()
    people: list[_Resident] = []
    religions = [
        (Religion.ISLAM, 93),
        (Religion.KRISTEN, 4),
        (Religion.KATOLIK, 2),
        (Religion.BUDDHA, 1),
    ]
    marital = [
        (MaritalStatus.KAWIN_TERCATAT, 55),
        (MaritalStatus.BELUM_KAWIN, 35),
        (MaritalStatus.CERAI_MATI, 6),
        (MaritalStatus.CERAI_HIDUP, 4),
    ]
    occupations = [code for code, _label in OCCUPATIONS]
    educations = list(Education.values)
    user_rows: list[dict[str, object]] = []
    profile_rows: list[dict[str, object]] = []

    def flush() -> None:
        _insert(User, user_rows)
        _insert(ResidentProfile, profile_rows)
        user_rows.clear()
        profile_rows.clear()

    for index in range(count):
        village = rng.choice(villages)
        female = rng.random() < 0.5
        birth_date = today - dt.timedelta(days=rng.randint(17 * 365, 80 * 365))
        prefix = village.district.code.replace(".", "")
        while True:
            day = birth_date.day + (40 if female else 0)
            nik = f"{prefix}{day:02d}{birth_date:%m%y}{rng.randint(1, 9999):04d}"
            if nik not in taken:
                taken.add(nik)
                break
        name = pools.name(female)
        status = _pick(
            rng,
            (
                (ProfileStatus.VERIFIED, 85),
                (ProfileStatus.UNVERIFIED, 12),
                (ProfileStatus.REJECTED, 3),
            ),
        )
        joined = now - dt.timedelta(days=rng.randint(0, DAYS), seconds=rng.randint(0, 86399))
        user_id = next(user_ids)
        person = _Resident(
            user_id=user_id,
            nik=nik,
            name=name,
            birth_place=rng.choice(pools.places),
            birth_date=birth_date,
            gender="P" if female else "L",
            religion=_pick(rng, religions),
            marital_status=_pick(rng, marital),
            occupation=rng.choice(occupations),
            address=pools.address(),
            village_code=village.code,
            verified=status == ProfileStatus.VERIFIED,
        )
        people.append(person)
        user_rows.append(
            {
                "id": user_id,
                "username": nik,
                "full_name": name,
                "email": f"warga{emails_from + index}@contoh.example",
                "role": Role.RESIDENT,
                "village": None,
                "is_active": True,
                "is_superuser": False,
                "password": password,
                "date_joined": joined,
                "staff_nik": "",
                "email_confirmed_at": joined,
            }
        )
        decided = status != ProfileStatus.UNVERIFIED
        profile_rows.append(
            {
                "id": next(profile_ids),
                "user": user_id,
                "public_id": uuid.uuid4(),
                "birth_place": person.birth_place,
                "birth_date": birth_date,
                "gender": person.gender,
                "address": person.address,
                "rt": f"{rng.randint(1, 20):03d}",
                "rw": f"{rng.randint(1, 12):03d}",
                "phone": f"08{rng.randint(10**9, 10**10 - 1)}",
                "kk_number": f"{prefix}{rng.randint(10**9, 10**10 - 1)}",
                "education": rng.choice(educations),
                "marital_status": person.marital_status,
                "religion": person.religion,
                "occupation": person.occupation,
                "village": village.code,
                "ktp_file": SAMPLE_KTP,
                "kk_file": SAMPLE_KK,
                "status": status,
                "rejection_reason": rng.choice(PROFILE_REJECTIONS)
                if status == ProfileStatus.REJECTED
                else "",
                "status_changed_at": joined + dt.timedelta(days=1) if decided else None,
                "submitted_at": joined,
                "created_at": joined,
                "updated_at": joined,
            }
        )
        if len(user_rows) >= BATCH:
            flush()
            progress(f"  residents {index + 1}/{count}")
    flush()
    result.residents += count
    return people


T = TypeVar("T")


def _pick(rng: random.Random, weighted: Iterable[tuple[T, int]]) -> T:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# --- Requests ------------------------------------------------------------------------------


def _answers(schema: list[dict], purpose: str, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for spec in schema:
        kind, name = spec.get("kind", "text"), spec.get("name")
        if not name:
            continue
        if kind == "group":
            answers[name] = []
        elif kind == "number":
            answers[name] = rng.randint(1, 100)
        elif kind == "year":
            answers[name] = rng.randint(1990, 2020)
        elif kind == "date":
            answers[name] = (
                dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))
            ).isoformat()
        elif kind == "choice":
            answers[name] = (spec.get("choices") or [""])[0]
        else:
            answers[name] = "Keterangan fiktif"
    answers["keperluan"] = purpose
    return answers


def _requests_create(
    count: int,
    people: list[_Resident],
    villages: list[Village],
    heads: dict[str, tuple[int, str]],
    rng: random.Random,
    pools: _Pools,
    result: GenerateResult,
    progress: Callable[[str], None],
) -> None:
    types = list(LetterType.objects.active())
    # Domisili, Tidak Mampu, Usaha and SKCK are asked for most, as in every village office.
    weights = [
        8 if t.code in {"SK-DOMISILI", "SK-TIDAK-MAMPU", "SK-USAHA", "SP-SKCK"} else 1
        for t in types
    ]
    schemas = {t.pk: _json(t.fields) for t in types}
    operators = _first_by_village(Role.OPERATOR)
    by_code = {v.code: v for v in villages}
    titles = {v.code: f"{v.head_title} {v.display_name}" for v in villages}
    now = timezone.now()
    # Spread over the last two years, up to yesterday: today's numbers stay the site's own.
    moments = sorted(
        now - dt.timedelta(days=rng.randint(1, DAYS), seconds=rng.randint(0, 86399))
        for _ in range(count)
    )
    counters = dict(Counter.objects.values_list("name", "value"))
    used: dict[str, int] = {}
    request_ids = _next_ids(LetterRequest, count)
    request_rows: list[dict[str, object]] = []
    event_rows: list[dict[str, object]] = []

    def next_value(name: str) -> int:
        value = used.get(name, counters.get(name, 0)) + 1
        used[name] = value
        return value

    def flush() -> None:
        _insert(LetterRequest, request_rows)
        result.events += _insert(LetterRequestEvent, event_rows)
        request_rows.clear()
        event_rows.clear()

    for index, submitted in enumerate(moments):
        letter_type = rng.choices(types, weights)[0]
        person = rng.choice(people)
        walk_in = letter_type.mode == RequestMode.DATANG_LANGSUNG
        with_account = not walk_in or (person.verified and rng.random() < 0.7)
        village = by_code[person.village_code]
        operator_id = operators.get(village.code)
        head_id, head_name = heads.get(village.code, (None, ""))
        status = _status_of(rng, age=now - submitted, walk_in=walk_in)
        local_day = timezone.localdate(submitted)
        registration = f"{local_day:%Y%m%d}{next_value(f'registration:{local_day:%Y%m%d}'):05d}"
        purpose = rng.choice(PURPOSES)
        issued = status in (RequestStatus.TERBIT, RequestStatus.DICABUT)
        request_id = next(request_ids)
        accepted_at = submitted + dt.timedelta(hours=rng.randint(1, 48))
        issued_at = accepted_at + dt.timedelta(hours=rng.randint(1, 72))
        letter = _letter(
            letter_type, village.code, issued_at, registration, head_id, next_value, issued=issued
        )
        notes: dict[str, str] = {
            RequestStatus.DITOLAK: rng.choice(REJECTIONS),
            RequestStatus.DICABUT: "Terdapat kesalahan data pada surat",
        }
        note = notes.get(status, "")
        creator = operator_id if walk_in else person.user_id
        request_rows.append(
            {
                "id": request_id,
                "registration_number": registration,
                "letter_type": letter_type.pk,
                "village": village.code,
                "applicant": person.user_id if with_account else None,
                "channel": letter_type.mode,
                "status": status,
                "status_note": note,
                "applicant_nik": person.nik,
                "applicant_name": person.name,
                "applicant_birth_place": person.birth_place,
                "applicant_birth_date": person.birth_date,
                "applicant_gender": "Perempuan" if person.gender == "P" else "Laki-laki",
                "applicant_religion": Religion(person.religion).label,
                "applicant_marital_status": MaritalStatus(person.marital_status).label,
                "applicant_occupation": OCCUPATION_LABELS[person.occupation],
                "applicant_citizenship": Citizenship.WNI.label,
                "applicant_address": person.address,
                "form_schema": schemas[letter_type.pk],
                "data": _json(_answers(letter_type.fields, purpose, rng)),
                "submitted_at": submitted,
                "letter_number": letter["number"] or "",
                "letter_year": letter["year"],
                "letter_sequence": letter["sequence"],
                "issued_at": issued_at if issued else None,
                "valid_from": letter["valid_from"],
                "valid_until": letter["valid_until"],
                "signer": head_id if issued else None,
                "signer_name": head_name if issued else "",
                "signer_title": titles[village.code] if issued else "",
                "signature_backend": "local" if issued else "",
                "certificate_fingerprint": letter["fingerprint"] or "",
                "document": SAMPLE_LETTER if issued else "",
                "document_sha256": letter["sha256"] or "",
                "verification_token": letter["token"],
                "revoked_at": issued_at + dt.timedelta(days=3)
                if status == RequestStatus.DICABUT
                else None,
                "created_by": creator or person.user_id,
                "updated_at": issued_at if issued else accepted_at,
            }
        )
        event_rows += [
            _event_row(request_id, event)
            for event in _timeline(
                status,
                walk_in,
                submitted,
                accepted_at,
                issued_at,
                person.user_id,
                operator_id,
                head_id,
                note,
            )
        ]
        result.by_status[status] += 1
        if len(request_rows) >= BATCH:
            flush()
            progress(f"  requests {index + 1}/{count}")
    flush()
    result.requests += count
    _counters_save(used)


def _status_of(rng: random.Random, *, age: dt.timedelta, walk_in: bool) -> str:
    """A request's status by its age: recent ones are still being worked on."""
    status = _pick(rng, RECENT_STATUSES if age.days < RECENT_DAYS else OLD_STATUSES)
    if walk_in and status in (RequestStatus.PROSES, RequestStatus.DIBATALKAN):
        return RequestStatus.KONSEP  # counter requests start in Konsep
    return status


def _first_by_village(role: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for user_id, code in User.objects.filter(role=role).order_by("id").values_list("id", "village"):
        found.setdefault(code, user_id)
    return found


def _letter(
    letter_type: LetterType,
    village_code: str,
    issued_at: dt.datetime,
    registration: str,
    head_id: int | None,
    next_value: Callable[[str], int],
    *,
    issued: bool,
) -> dict[str, Any]:
    """The issued letter's fields: number from the village's yearly counter, validity, token,
    digest. All empty for a request that was never issued."""
    letter: dict[str, Any] = dict.fromkeys(
        (
            "number",
            "year",
            "sequence",
            "valid_from",
            "valid_until",
            "token",
            "sha256",
            "fingerprint",
        )
    )
    if not issued:
        return letter
    issued_day = timezone.localdate(issued_at)
    sequence = next_value(f"letter:{village_code}:{issued_day.year}")
    letter.update(
        number=number_format(
            letter_type.number_pattern,
            code=letter_type.classification_code,
            sequence=sequence,
            day=issued_day,
            village_code=village_code,
        ),
        year=issued_day.year,
        sequence=sequence,
        valid_from=issued_day,
        valid_until=letter_type.valid_until(issued_day),
        token=secrets.token_urlsafe(15),
        # Every generated letter shares one sample PDF; the digests stay unique, as real ones are.
        sha256=hashlib.sha256(f"{registration}:{secrets.token_hex(8)}".encode()).hexdigest(),
        fingerprint=hashlib.sha256(str(head_id).encode()).hexdigest(),
    )
    return letter


# (time, actor, action, from status, to status, note)
_Event = tuple[dt.datetime, int | None, str, str, str, str]


def _event_row(request_id: int, event: _Event) -> dict[str, object]:
    moment, actor, action, from_status, to_status, note = event
    return {
        "request": request_id,
        "created_at": moment,
        "actor": actor,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
    }


def _timeline(
    status: str,
    walk_in: bool,
    submitted: dt.datetime,
    accepted_at: dt.datetime,
    issued_at: dt.datetime,
    resident: int,
    operator: int | None,
    head: int | None,
    note: str,
) -> list[_Event]:
    """The events that led to ``status``: (time, actor, action, from, to, note)."""
    proses, konsep = RequestStatus.PROSES, RequestStatus.KONSEP
    events: list[_Event]
    if walk_in:
        events = [(submitted, operator, RequestAction.REGISTERED, "", konsep, "")]
    else:
        events = [(submitted, resident, RequestAction.SUBMITTED, "", proses, "")]
        if status == RequestStatus.DIBATALKAN:
            return [*events, (accepted_at, resident, RequestAction.CANCELLED, proses, status, "")]
        if status == RequestStatus.DITOLAK:
            return [*events, (accepted_at, operator, RequestAction.REJECTED, proses, status, note)]
        if status == proses:
            return events
        events.append((accepted_at, operator, RequestAction.ACCEPTED, proses, konsep, ""))
    if status == RequestStatus.DITOLAK:
        return [*events, (issued_at, operator, RequestAction.REJECTED, konsep, status, note)]
    if status in (RequestStatus.TERBIT, RequestStatus.DICABUT):
        events.append((issued_at, head, RequestAction.ISSUED, konsep, RequestStatus.TERBIT, ""))
    if status == RequestStatus.DICABUT:
        events.append(
            (
                issued_at + dt.timedelta(days=3),
                operator,
                RequestAction.REVOKED,
                RequestStatus.TERBIT,
                status,
                note,
            )
        )
    return events


def _counters_save(used: dict[str, int]) -> None:
    """Move every counter past the numbers the generated rows took."""
    with transaction.atomic():
        Counter.objects.bulk_create(
            [Counter(name=name, value=0) for name in used], ignore_conflicts=True, batch_size=5000
        )
        counters = Counter.objects.select_for_update().filter(name__in=list(used))
        changed = []
        for counter in counters:
            if used[counter.name] > counter.value:
                counter.value = used[counter.name]
                changed.append(counter)
        Counter.objects.bulk_update(changed, ["value"], batch_size=5000)
