import io
import subprocess
import tomllib
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import require_tool
from layanan.accounts.choices import Citizenship, ProfileStatus
from layanan.documents.rendering import body_module, letter_pdf
from layanan.documents.tests.helpers import pdf_text
from layanan.letters.models import LetterType, RequestStatus
from layanan.letters.services import CATALOGUE_FILE, letter_request_accept, letter_request_submit
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db

HOSTILE = '#panic("x") *tebal* $x$ ] <script>alert(1)</script> \\ #import "x"'


def _text(tmp_path, pdf: bytes) -> str:
    path = tmp_path / "surat.pdf"
    path.write_bytes(pdf)
    return " ".join(pdf_text(path).split())


def test_a_draft_has_the_watermark_and_no_number_or_qr(draft, tmp_path):
    text = _text(tmp_path, letter_pdf(draft, head_name="Hendra Wijaya"))

    assert "KONSEP" in text
    assert "belum terbit" in text
    assert "Kode QR muncul setelah ditandatangani" in text
    assert "PEMERINTAH KABUPATEN BATANG" in text
    assert "KELURAHAN KAUMAN" in text
    assert "SURAT KETERANGAN DOMISILI" in text
    assert "Lurah Kauman" in text
    assert "Mengurus Dokumen Perizinan Berusaha" in text


def test_user_text_is_printed_literally_never_run(resident, catalogue, tmp_path):
    request = LetterRequestFactory.create(
        applicant=resident,
        applicant_name=HOSTILE,
        status=RequestStatus.KONSEP,
        data={"keterangan_lainnya": HOSTILE, "keperluan": HOSTILE},
    )

    text = _text(tmp_path, letter_pdf(request))

    assert '#panic("x")' in text
    assert "<script>alert(1)</script>" in text
    assert '#import "x"' in text


with CATALOGUE_FILE.open("rb") as _catalogue:
    CODES = [entry["code"] for entry in tomllib.load(_catalogue)["letter_type"]]


@pytest.mark.parametrize("code", CODES)
def test_every_letter_type_renders_with_its_own_body(code, resident, catalogue, tmp_path):
    letter_type = LetterType.objects.get(code=code)
    data: dict[str, Any] = {}
    for field in letter_type.fields:
        if field["kind"] == "group":
            data[field["name"]] = [
                {sub["name"]: (sub.get("choices") or ["Contoh"])[0] for sub in field["fields"]}
            ]
        elif field["kind"] == "number":
            data[field["name"]] = 12
        elif field["kind"] == "year":
            data[field["name"]] = 2016
        elif field["kind"] == "date":
            data[field["name"]] = "2026-11-06"
        elif field["kind"] == "choice":
            data[field["name"]] = field["choices"][0]
        elif field.get("format") == "nik":
            data[field["name"]] = "3325110101900001"
        else:
            data[field["name"]] = "Contoh isian"
    data["keperluan"] = "Contoh keperluan"
    request = LetterRequestFactory.create(
        applicant=resident, letter_type=letter_type, status=RequestStatus.KONSEP, data=data
    )

    text = _text(tmp_path, letter_pdf(request))

    assert body_module(code) == code.lower()
    assert letter_type.name.upper() in text
    assert "Contoh keperluan" in text


def _hostile(tag: str) -> str:
    """Typst markup that would run, format or fail if an answer were read as markup; the tag
    tells the answers apart in the printed text."""
    return f'{tag} #panic("x") *b* _i_ $y$ ] #eval("1") <l> @r \\ `c`'


def _hostile_answers(letter_type) -> tuple[dict, list[str]]:
    """Answers of the type with hostile text in every text field (group cells included, NIKs
    aside) and in Keperluan, and the strings that must therefore be printed."""
    data: dict[str, Any] = {}
    printed: list[str] = []

    def answer(field, tag):
        if field["kind"] in ("text", "textarea") and field.get("format") != "nik":
            printed.append(_hostile(tag))
            return printed[-1]
        if field["kind"] == "number":
            return 12
        if field["kind"] == "year":
            return 2016
        if field["kind"] == "date":
            return "2026-11-06"
        if field["kind"] == "choice":
            return field["choices"][0]
        return "3325110101900001"

    for index, field in enumerate(letter_type.fields):
        if field["kind"] == "group":
            data[field["name"]] = [
                {
                    sub["name"]: answer(sub, f"G{index}R{row}C{col}")
                    for col, sub in enumerate(field["fields"])
                }
                for row in range(2)
            ]
        else:
            data[field["name"]] = answer(field, f"F{index}")
    data["keperluan"] = _hostile("KEP")
    printed.append(data["keperluan"])
    return data, printed


@pytest.mark.parametrize("code", CODES)
def test_every_letter_type_prints_every_answer_literally(code, resident, catalogue, tmp_path):
    letter_type = LetterType.objects.get(code=code)
    data, printed = _hostile_answers(letter_type)
    request = LetterRequestFactory.create(
        applicant=resident, letter_type=letter_type, status=RequestStatus.KONSEP, data=data
    )

    path = tmp_path / "surat.pdf"
    path.write_bytes(letter_pdf(request))
    # -raw: the text in the order it was set, so a table cell's wrapped lines stay together.
    raw = subprocess.run(  # noqa: S603 - a fixed tool, our temporary file
        [require_tool("pdftotext"), "-raw", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = " ".join(raw.split()).casefold()  # some bodies print names upper-case

    assert printed  # Keperluan at least
    missing = [value for value in printed if value.casefold() not in text]
    assert missing == []


# --- The letter's wording (issue 18) ----------------------------------------------------------


def _plain_text(pdf: bytes) -> str:
    """The letter's text as pypdf extracts it, on one line."""
    return " ".join(
        " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _opening(text: str) -> str:
    start = text.index("Yang bertanda tangan")
    return text[start : text.index(":", start)]


def test_the_opening_names_the_village_once(draft):
    text = _plain_text(letter_pdf(draft, head_name="Hendra Wijaya"))

    assert _opening(text) == (
        "Yang bertanda tangan di bawah ini, Lurah Kauman, Kecamatan Batang, Kabupaten "
        "Batang, Provinsi Jawa Tengah, menerangkan dengan sebenarnya bahwa"
    )


def test_a_pengantar_opening_names_the_village_once_too(resident, catalogue):
    request = LetterRequestFactory.create(
        applicant=resident,
        letter_type=LetterType.objects.get(code="SP-SKCK"),
        status=RequestStatus.KONSEP,
        data={"keperluan": "Melamar pekerjaan"},
    )

    opening = _opening(_plain_text(letter_pdf(request)))

    assert opening.count("Kauman") == 1
    assert opening.endswith("Provinsi Jawa Tengah, dengan ini memberikan pengantar kepada")


def test_the_applicant_rows_read_alike_with_the_citizenship(draft):
    text = _plain_text(letter_pdf(draft))

    # As the register writes them, none shouted: Pekerjaan like Agama and the others.
    for row in (
        "Jenis Kelamin : Laki-laki",
        "Agama : Islam",
        "Status Perkawinan : Kawin Tercatat",
        "Pekerjaan : Wiraswasta",
        "Kewarganegaraan : WNI",
    ):
        assert row in text
    assert "WIRASWASTA" not in text
    assert "7. Pekerjaan : Wiraswasta 8. Kewarganegaraan : WNI 9. Alamat :" in text


def test_a_foreign_resident_is_not_called_wni(resident, operator, catalogue):
    profile = resident.profile
    profile.citizenship = Citizenship.WNA
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    request = letter_request_accept(
        request=letter_request_submit(
            resident=resident,
            letter_type=LetterType.objects.get(code="SK-DOMISILI"),
            data={"keterangan_lainnya": "", "keperluan": "Melamar pekerjaan"},
        ),
        operator=operator,
    )

    text = _plain_text(letter_pdf(request))

    assert "Kewarganegaraan : WNA" in text
    assert "WNI" not in text


def test_a_request_made_before_citizenship_was_recorded_prints_no_such_row(resident, catalogue):
    request = LetterRequestFactory.create(
        applicant=resident, status=RequestStatus.KONSEP, applicant_citizenship=""
    )

    text = _plain_text(letter_pdf(request))

    assert "Kewarganegaraan" not in text
    assert "7. Pekerjaan : Wiraswasta 8. Alamat :" in text
