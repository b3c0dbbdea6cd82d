"""Years, codes and identifiers read as typed on every page and letter (issue 18): a year
is "2016", never the quantity "2.016", on the resident's, the operator's and the head's
pages and in the letter, for every type of the shipped catalogue; quantities stay grouped."""

import io
import tomllib
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from layanan.accounts.choices import ProfileStatus
from layanan.documents.rendering import letter_pdf
from layanan.letters.fields import FieldSpec, is_quantity, parse_schema
from layanan.letters.models import LetterRequest, LetterType, RequestMode, RequestStatus
from layanan.letters.services import CATALOGUE_FILE
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db

with CATALOGUE_FILE.open("rb") as _catalogue:
    CODES = [entry["code"] for entry in tomllib.load(_catalogue)["letter_type"]]

YEAR = 2016
KEPERLUAN = "Mengurus izin usaha mikro"
# Amounts as a resident types them, by field; any other number field gets 3.
AMOUNTS = {"luas_tanah": 1250, "harga_per_meter": 1_500_000, "penghasilan_per_bulan": 1_750_000}
NIK = "3325110101900001"


def _realistic(spec: FieldSpec) -> Any:
    """What a resident would type in the field (as the form posts it)."""
    if spec.kind in ("number", "year"):
        # A year (or a number that is one, or a code): 2016; an amount: as people have them.
        return AMOUNTS.get(spec.name, max(spec.min or 0, 3)) if is_quantity(spec) else YEAR
    if spec.kind == "date":
        return "2016-05-17"
    if spec.kind == "choice":
        return spec.choices[0]
    if spec.format == "nik":
        return NIK
    if spec.name.startswith("waktu"):
        return "08.15"
    return f"Contoh {spec.label.lower()}"


def _post(specs: list[FieldSpec]) -> dict[str, Any]:
    """The letter's fields as the form posts them (groups with the rows they need, one at
    least)."""
    post: dict[str, Any] = {"isian-keperluan": KEPERLUAN}
    for spec in specs:
        if spec.is_group:
            prefix = f"isian-{spec.name}"
            count = max(spec.min_items, 1)
            post[f"{prefix}-TOTAL_FORMS"] = str(count)
            post[f"{prefix}-INITIAL_FORMS"] = "0"
            for row in range(count):
                for sub in spec.fields:
                    post[f"{prefix}-{row}-{sub.name}"] = _realistic(sub)
        else:
            post[f"isian-{spec.name}"] = _realistic(spec)
    return post


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _digit_fields(specs: list[FieldSpec]) -> list[FieldSpec]:
    """The fields whose value is a run of digits that is no amount: years, NIKs, codes."""
    flat = [sub for spec in specs for sub in (spec.fields if spec.is_group else (spec,))]
    return [
        spec
        for spec in flat
        if spec.kind == "year"
        or spec.format == "nik"
        or (spec.kind == "number" and not is_quantity(spec))
    ]


def _pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _assert_digits_as_typed(text: str, specs: list[FieldSpec], where: str) -> None:
    assert _grouped(YEAR) not in text, where
    for spec in _digit_fields(specs):
        value = _realistic(spec)
        assert str(value) in text, (where, spec.name)
        if isinstance(value, int) and value >= 1000:
            assert _grouped(value) not in text, (where, spec.name)
    for spec in specs:
        if is_quantity(spec) and spec.name in AMOUNTS:
            assert _grouped(AMOUNTS[spec.name]) in text, (where, spec.name)  # still an amount


@pytest.fixture
def verified(resident):
    profile = resident.profile
    profile.status = ProfileStatus.VERIFIED
    profile.save(update_fields=["status"])
    return resident


def _made(client, letter_type: LetterType, post: dict, resident, operator) -> LetterRequest:
    """The request made as the guide makes it: by the resident online (then accepted by the
    operator), or by the operator at the counter for a walk-in type."""
    if letter_type.mode == RequestMode.MANDIRI:
        client.force_login(resident)
        url = reverse("letters:request-create", kwargs={"code": letter_type.code.lower()})
        submitted = client.post(url, {**post, "agree": "on"})
        assert submitted.status_code == 302, submitted.content.decode()[:2000]
        request = LetterRequest.objects.get(letter_type=letter_type)
        client.force_login(operator)
        number = {"number": request.registration_number}
        accepted = client.post(reverse("letters:staff-accept", kwargs=number), post)
        assert accepted.status_code == 302, accepted.content.decode()[:2000]
    else:
        client.force_login(operator)
        client.post(
            reverse("letters:walk-in"), {"letter_type": letter_type.pk, "nik": resident.username}
        )
        registered = client.post(reverse("letters:walk-in-details"), post)
        assert registered.status_code == 302, registered.content.decode()[:2000]
        request = LetterRequest.objects.get(letter_type=letter_type)
    request.refresh_from_db()
    assert request.status == RequestStatus.KONSEP
    return request


def _pages(client, request: LetterRequest, resident, operator, head) -> dict[str, str]:
    number = {"number": request.registration_number}
    pages = {}
    for who, user, url in (
        ("resident", resident, reverse("letters:request-detail", kwargs=number)),
        ("operator", operator, reverse("letters:staff-detail", kwargs=number)),
        ("head", head, reverse("letters:staff-detail", kwargs=number)),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, who
        pages[who] = response.content.decode()
    return pages


@pytest.mark.parametrize("code", CODES)
def test_every_type_shows_years_and_identifiers_as_typed(
    code, client, verified, operator, head, catalogue
):
    letter_type = LetterType.objects.get(code=code)
    specs = parse_schema(letter_type.fields)
    request = _made(client, letter_type, _post(specs), verified, operator)

    for who, html in _pages(client, request, verified, operator, head).items():
        _assert_digits_as_typed(html, specs, who)
    _assert_digits_as_typed(_pdf_text(letter_pdf(request, head_name="Hendra Wijaya")), specs, "pdf")


def test_the_catalogue_asks_the_business_year_as_a_year():
    with CATALOGUE_FILE.open("rb") as handle:
        usaha = next(t for t in tomllib.load(handle)["letter_type"] if t["code"] == "SK-USAHA")
    (year,) = [spec for spec in parse_schema(usaha["fields"]) if spec.name == "tahun_mulai_usaha"]

    assert year.kind == "year"


def test_a_request_made_when_the_year_was_a_number_reads_right_too(
    client, verified, operator, head, catalogue
):
    """Requests keep the field definitions they were made with: one made before years had
    their own kind still shows its year as a year."""
    usaha = LetterType.objects.get(code="SK-USAHA")
    legacy = [
        {**field, "kind": "number", "min": 1950, "max": 2100}
        if field["name"] == "tahun_mulai_usaha"
        else field
        for field in usaha.fields
    ]
    request = LetterRequestFactory.create(
        applicant=verified,
        letter_type=usaha,
        status=RequestStatus.KONSEP,
        form_schema=legacy,
        data={
            "nama_usaha": "Warung Makan Sederhana",
            "jenis_usaha": "Kuliner",
            "alamat_usaha": "Jl. Dr Wahidin 12",
            "tahun_mulai_usaha": YEAR,
            "keperluan": KEPERLUAN,
        },
    )
    specs = parse_schema(legacy)

    for who, html in _pages(client, request, verified, operator, head).items():
        _assert_digits_as_typed(html, specs, who)
    text = _pdf_text(letter_pdf(request))
    assert f"Mulai Usaha Sejak Tahun : {YEAR}" in text
    assert _grouped(YEAR) not in text


def test_a_signed_letter_and_its_qr_page_show_the_year_as_typed(
    client, verified, operator, signing_head, head_passphrase, catalogue
):
    usaha = LetterType.objects.get(code="SK-USAHA")
    usaha.public_fields = ["tahun_mulai_usaha"]
    usaha.save(update_fields=["public_fields"])
    request = _made(client, usaha, _post(parse_schema(usaha.fields)), verified, operator)

    client.force_login(signing_head)
    client.post(
        reverse("documents:sign", kwargs={"number": request.registration_number}),
        {"passphrase": head_passphrase},
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.TERBIT
    with request.document.open("rb") as handle:
        signed = _pdf_text(handle.read())
    client.logout()
    qr_page = client.get(
        reverse("verification:letter", kwargs={"token": request.verification_token})
    ).content.decode()

    for where, text in (("signed pdf", signed), ("qr page", qr_page)):
        assert str(YEAR) in text, where
        assert _grouped(YEAR) not in text, where
