import tomllib

import pytest

from layanan.documents.rendering import body_module, letter_pdf
from layanan.documents.tests.helpers import pdf_text
from layanan.letters.models import LetterType, RequestStatus
from layanan.letters.services import CATALOGUE_FILE
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
    request = LetterRequestFactory(
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
    data = {}
    for field in letter_type.fields:
        if field["kind"] == "group":
            data[field["name"]] = [
                {sub["name"]: (sub.get("choices") or ["Contoh"])[0] for sub in field["fields"]}
            ]
        elif field["kind"] == "number":
            data[field["name"]] = 12
        elif field["kind"] == "date":
            data[field["name"]] = "2026-11-06"
        elif field["kind"] == "choice":
            data[field["name"]] = field["choices"][0]
        elif field.get("format") == "nik":
            data[field["name"]] = "3325110101900001"
        else:
            data[field["name"]] = "Contoh isian"
    data["keperluan"] = "Contoh keperluan"
    request = LetterRequestFactory(
        applicant=resident, letter_type=letter_type, status=RequestStatus.KONSEP, data=data
    )

    text = _text(tmp_path, letter_pdf(request))

    assert body_module(code) == code.lower()
    assert letter_type.name.upper() in text
    assert "Contoh keperluan" in text
