"""The upload check tells what happened to a file (issue 15, item 9): real letters, signed by
the real service, changed with real PDF tools (pyHanko's incremental writer, pypdf, Typst,
poppler), each told apart in the service and on the page."""

import asyncio
import datetime as dt
import hashlib
import io
import logging
import subprocess
from pathlib import Path

import pypdf
import pytest
import typst
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from conftest import require_tool
from layanan.documents.archive import letter_archive_renew
from layanan.documents.models import LetterArchive
from layanan.documents.rendering import FONTS_DIR
from layanan.documents.services import letter_sign
from layanan.documents.signing.pades import asn1_certificate
from layanan.letters.models import LetterRequest
from layanan.letters.services import letter_revoke
from layanan.verification.services import (
    Change,
    LetterState,
    Outcome,
    letter_check_upload,
    mask_nik,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(draft, signing_head, head_passphrase):
    return letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


@pytest.fixture
def original(issued) -> bytes:
    with issued.document.open("rb") as handle:
        return handle.read()


# --- Changing a letter the way a forger's tools do ----------------------------------------------


def _written(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _helvetica(writer) -> generic.DictionaryObject:
    font = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        }
    )
    return generic.DictionaryObject(
        {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/FX"): writer.add_object(font)})}
    )


def _box(*numbers) -> generic.ArrayObject:
    return generic.ArrayObject(generic.FloatObject(n) for n in numbers)


def with_annotation(pdf: bytes) -> bytes:
    """A FreeText note over the letter, as a PDF reader's comment tool adds it."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    note = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/FreeText"),
                pdf_name("/Rect"): _box(100, 600, 300, 640),
                pdf_name("/Contents"): generic.TextStringObject("Berlaku sampai 2030"),
                pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            }
        )
    )
    page[pdf_name("/Annots")] = generic.ArrayObject([*page.get("/Annots", []), note])
    writer.update_container(page)
    return _written(writer)


def with_content(pdf: bytes) -> bytes:
    """A new content stream on the page: a white box hiding the text, a new total on it."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = writer.add_object(
        generic.StreamObject(
            stream_data=b"q 1 1 1 rg 100 600 200 40 re f 0 g BT /FX 12 Tf 105 615 Td "
            b"(Rp 99.000.000) Tj ET Q"
        )
    )
    writer.add_stream_to_page(0, stream, resources=_helvetica(writer))
    return _written(writer)


def with_overlay(pdf: bytes) -> bytes:
    """A new (unsigned) signature field whose appearance paints a different total."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(
        writer, fields.SigFieldSpec("Koreksi", on_page=0, box=(60, 300, 300, 340))
    )
    (widget,) = [
        ref.get_object()
        for ref in writer.root["/AcroForm"]["/Fields"]
        if ref.get_object().get("/T") == "Koreksi"
    ]
    appearance = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): _box(0, 0, 240, 40),
            pdf_name("/Resources"): _helvetica(writer),
        },
        stream_data=b"1 1 1 rg 0 0 240 40 re f 0 g BT /FX 14 Tf 4 14 Td "
        b"(Total: Rp 99.000.000) Tj ET",
    )
    widget[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): writer.add_object(appearance)}
    )
    writer.update_container(widget)
    return _written(writer)


def with_form_field(pdf: bytes) -> bytes:
    """A text field with a value, where the letter had none."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    widget = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): generic.TextStringObject("Catatan"),
                pdf_name("/V"): generic.TextStringObject("Berlaku seumur hidup"),
                pdf_name("/Rect"): _box(60, 200, 300, 220),
                pdf_name("/P"): page_ref,
            }
        )
    )
    page[pdf_name("/Annots")] = generic.ArrayObject([*page.get("/Annots", []), widget])
    writer.update_container(page)
    form = writer.root["/AcroForm"]
    form[pdf_name("/Fields")] = generic.ArrayObject([*form["/Fields"], widget])
    writer.update_container(form)
    return _written(writer)


STRANGER = "Penipu Sejati"


def _stranger() -> signers.SimpleSigner:
    """Someone's own key and self-made certificate: no chain to any root of ours."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, STRANGER)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=asn1_certificate(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore(),
    )


def signed_by_stranger(pdf: bytes, *, reason: str | None = None, visible: bool = False) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    box = (60, 300, 300, 340) if visible else None
    return (
        signers.PdfSigner(
            signers.PdfSignatureMetadata(field_name="TandaTanganLain", reason=reason),
            signer=_stranger(),
            new_field_spec=fields.SigFieldSpec("TandaTanganLain", on_page=0, box=box),
        )
        .sign_pdf(writer)
        .getvalue()
    )


def flipped_in_signed_range(pdf: bytes) -> bytes:
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
    changed = bytearray(pdf)
    changed[signature.byte_range[1] // 2] ^= 0x01
    return bytes(changed)


def unsigned_revision(pdf: bytes) -> bytes:
    """The letter as Typst rendered it: the file up to its first revision's end."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF\n")
    return pdf[:end]


def rewritten_without_signature(pdf: bytes) -> bytes:
    """pypdf writes the pages again, leaving the signature fields out."""
    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        added = writer.add_page(page)
        if "/Annots" in added:
            del added["/Annots"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reprinted(pdf: bytes, workdir: Path) -> bytes:
    """Printed to a fresh PDF by poppler's cairo backend, as a print-to-PDF does."""
    source, target = workdir / "surat.pdf", workdir / "cetak.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603 - a fixed tool, our temporary files
        [require_tool("pdftocairo"), "-pdf", str(source), str(target)], check=True
    )
    return target.read_bytes()


def typeset(body: str, workdir: Path) -> bytes:
    source = workdir / "lain.typ"
    source.write_text(body, encoding="utf-8")
    return typst.compile(str(source), font_paths=[str(FONTS_DIR)], ignore_system_fonts=True)


def pyhanko_head_status(pdf: bytes):
    """pyHanko's own judgement of the head's signature, with its default diff policy."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    head = reader.embedded_regular_signatures[0]
    return asyncio.run(
        async_validate_pdf_signature(
            head, signer_validation_context=ValidationContext(trust_roots=[], allow_fetching=False)
        )
    )


# --- The page -----------------------------------------------------------------------------------


def _page(client, content: bytes) -> str:
    response = client.post(
        reverse("verification:upload"),
        {"document": SimpleUploadedFile("surat.pdf", content, "application/pdf")},
    )
    assert response.status_code == 200
    return response.content.decode()


def _says(html: str, *messages) -> bool:
    """Whether the page shows each message as the Indonesian catalogue translates it."""
    with translation.override("id"):
        return all(escape(str(message)) in html for message in messages)


# --- Original -----------------------------------------------------------------------------------


def test_the_issued_file_is_the_original(client, issued, original):
    check = letter_check_upload(original)

    assert (check.outcome, check.letter, check.state) == (Outcome.ORIGINAL, issued, "valid")
    assert check.changes == ()
    html = _page(client, original)
    assert _says(html, Outcome.ORIGINAL.label, LetterState.VALID.label)
    assert issued.letter_number in html
    assert mask_nik(issued.applicant_nik) in html
    assert issued.applicant_nik not in html


def test_the_original_with_archive_renewals_is_original_with_ltv_updates(client, issued, original):
    """The stored file after a renewal, and a file with a renewal that is no longer the
    stored one (renewed again since): both are the original plus validation data."""
    archive = LetterArchive.objects.get(request=issued)

    def renew() -> bytes:
        LetterArchive.objects.filter(pk=archive.pk).update(timestamp_valid_until=timezone.now())
        assert letter_archive_renew(archive.pk)
        issued.refresh_from_db()
        with issued.document.open("rb") as handle:
            return handle.read()

    once = renew()
    twice = renew()
    assert once.startswith(original) and twice.startswith(once)
    assert (
        hashlib.sha256(once).hexdigest() != LetterArchive.objects.get(pk=archive.pk).current_sha256
    )

    for renewed in (once, twice):
        check = letter_check_upload(renewed)
        assert (check.outcome, check.letter, check.changes) == (Outcome.ORIGINAL_LTV, issued, ())
    assert pyhanko_head_status(once).modification_level == ModificationLevel.LTA_UPDATES
    assert _says(_page(client, once), Outcome.ORIGINAL_LTV.label)


# --- Changed after signing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (with_annotation, {Change.ANNOTATION}),
        (with_content, {Change.CONTENT}),
        (with_form_field, {Change.FORM}),
        (with_overlay, {Change.OVERLAY}),
        (signed_by_stranger, {Change.SIGNATURE}),
        (lambda pdf: signed_by_stranger(pdf, visible=True), {Change.SIGNATURE}),
        (lambda pdf: pdf + b"\n% diubah\n", {Change.OTHER}),
    ],
    ids=["annotation", "content", "form", "overlay", "signature", "visible-signature", "junk"],
)
def test_an_incremental_change_is_named(client, issued, original, change, expected):
    changed = change(original)

    check = letter_check_upload(changed)

    assert check.outcome == Outcome.CHANGED
    assert check.letter == issued
    assert expected <= set(check.changes)
    assert set(check.changes) <= expected | {Change.OVERLAY, Change.SIGNATURE}
    assert check.verdict == "tampered"
    html = _page(client, changed)
    assert _says(html, Outcome.CHANGED.label, *(c.label for c in expected))
    assert issued.letter_number in html


def test_pyhanko_itself_refuses_the_overlay_after_the_certification(original):
    status = pyhanko_head_status(with_overlay(original))

    assert status.intact  # the signed bytes are untouched ...
    assert status.modification_level == ModificationLevel.OTHER  # ... what follows is not allowed
    assert status.docmdp_ok is False
    assert not status.bottom_line


def test_a_visible_stranger_signature_is_a_signature_that_paints_over_the_letter(original):
    check = letter_check_upload(signed_by_stranger(original, visible=True))

    assert set(check.changes) == {Change.SIGNATURE, Change.OVERLAY}


def test_a_flipped_byte_breaks_the_signature(client, issued, original):
    changed = flipped_in_signed_range(original)

    check = letter_check_upload(changed)

    assert (check.outcome, check.letter) == (Outcome.CHANGED, issued)
    assert Change.SIGNATURE_BROKEN in check.changes
    assert _says(_page(client, changed), Outcome.CHANGED.label, Change.SIGNATURE_BROKEN.label)


def test_a_tampered_revoked_letter_says_both(client, issued, original, operator):
    letter_revoke(request=issued, actor=operator, reason="Diterbitkan untuk orang yang salah")

    check = letter_check_upload(with_content(original))

    assert (check.outcome, check.state) == (Outcome.CHANGED, LetterState.REVOKED)
    html = _page(client, with_content(original))
    assert _says(html, Outcome.CHANGED.label, LetterState.REVOKED.label)
    assert "Diterbitkan untuk orang yang salah" in html


# --- Copies -------------------------------------------------------------------------------------


def test_the_unsigned_revision_is_a_copy_whose_signature_was_removed(client, issued, original):
    copy = unsigned_revision(original)

    check = letter_check_upload(copy)

    assert (check.outcome, check.letter) == (Outcome.COPY, issued)
    assert check.changes == (Change.SIGNATURE_REMOVED,)
    html = _page(client, copy)
    assert _says(html, Outcome.COPY.label, Change.SIGNATURE_REMOVED.label)
    assert issued.applicant_nik not in html


def test_a_rewrite_without_signatures_and_a_reprint_are_copies(client, issued, original, tmp_path):
    for copy in (rewritten_without_signature(original), reprinted(original, tmp_path)):
        check = letter_check_upload(copy)

        assert (check.outcome, check.letter, check.changes) == (Outcome.COPY, issued, ())
        assert check.verdict == "unknown"
        assert _says(_page(client, copy), Outcome.COPY.label)


def test_a_copy_with_a_page_added_says_its_text_differs(issued, original, tmp_path):
    writer = pypdf.PdfWriter(
        clone_from=pypdf.PdfReader(io.BytesIO(rewritten_without_signature(original)))
    )
    writer.append(pypdf.PdfReader(io.BytesIO(typeset("CATATAN: berlaku sampai 2030", tmp_path))))
    out = io.BytesIO()
    writer.write(out)

    check = letter_check_upload(out.getvalue())

    assert (check.outcome, check.letter) == (Outcome.COPY, issued)
    assert check.changes == (Change.TEXT_DIFFERS,)


def test_a_copy_of_an_expired_letter_says_both(client, issued, original):
    LetterRequest.objects.filter(pk=issued.pk).update(valid_until=dt.date(2000, 1, 1))

    check = letter_check_upload(rewritten_without_signature(original))

    assert (check.outcome, check.state) == (Outcome.COPY, LetterState.EXPIRED)
    assert _says(
        _page(client, rewritten_without_signature(original)),
        Outcome.COPY.label,
        LetterState.EXPIRED.label,
    )


def test_a_copy_signed_again_by_someone_else_is_still_a_copy(issued, original):
    check = letter_check_upload(signed_by_stranger(rewritten_without_signature(original)))

    assert (check.outcome, check.letter) == (Outcome.COPY, issued)
    assert check.changes == (Change.FOREIGN_SIGNATURE,)


# --- Foreign and unknown ------------------------------------------------------------------------


def _url(letter) -> str:
    return f"http://127.0.0.1:8000/v/{letter.verification_token}/"


def test_a_pdf_naming_a_real_letter_in_its_text_is_not_that_letter(client, issued, tmp_path):
    forged = typeset(
        f"SURAT KETERANGAN DOMISILI\n\nNomor: {issued.letter_number}\n\n"
        f"Nama: BUDI SANTOSO\n\nPeriksa keaslian di {_url(issued)}",
        tmp_path,
    )

    check = letter_check_upload(forged)

    assert (check.outcome, check.letter, check.changes) == (Outcome.FOREIGN, issued, ())
    html = _page(client, forged)
    assert _says(html, Outcome.FOREIGN.label)
    assert issued.letter_number in html
    assert issued.applicant_nik not in html
    assert issued.applicant_address not in html


def test_a_pdf_linking_to_a_real_letter_is_not_that_letter(issued, tmp_path):
    forged = typeset(f'#link("{_url(issued)}")[Periksa keaslian surat ini]', tmp_path)

    check = letter_check_upload(forged)

    assert (check.outcome, check.letter) == (Outcome.FOREIGN, issued)


def test_a_pdf_signed_by_someone_else_naming_a_real_letter_is_foreign(issued, tmp_path):
    forged = signed_by_stranger(
        typeset("Surat Keterangan Usaha", tmp_path),
        reason=f"Surat Keterangan Usaha; verifikasi: {_url(issued)}",
    )

    check = letter_check_upload(forged)

    assert (check.outcome, check.letter) == (Outcome.FOREIGN, issued)
    assert check.changes == (Change.FOREIGN_SIGNATURE,)


def test_nothing_of_an_uploaded_file_is_logged(issued, original, tmp_path, caplog):
    """pyHanko warns about what it refuses, naming certificates' subjects: not during a check."""
    files = [
        with_overlay(original),
        signed_by_stranger(original, visible=True),
        flipped_in_signed_range(original),
        signed_by_stranger(typeset("Surat lain", tmp_path), reason=f"verifikasi: {_url(issued)}"),
    ]

    with caplog.at_level(logging.DEBUG):
        for content in files:
            letter_check_upload(content)

    assert not [record for record in caplog.records if record.name.startswith("pyhanko")]
    for personal in (STRANGER, issued.applicant_nik, issued.applicant_name, issued.signer_name):
        assert personal not in caplog.text


def test_files_of_nobody_are_unknown(client, tmp_path):
    for content in (typeset("Surat biasa", tmp_path), b"bukan pdf", b"%PDF-1.7\n%%EOF"):
        check = letter_check_upload(content)

        assert (check.outcome, check.letter, check.state) == (Outcome.UNKNOWN, None, None)
    assert _says(_page(client, b"bukan pdf"), Outcome.UNKNOWN.label)


def test_damaged_and_hostile_files_never_raise(issued, original):
    (signature,) = PdfFileReader(io.BytesIO(original)).embedded_regular_signatures
    contents_start = signature.byte_range[1]  # where the signature's hex container begins
    cases = [
        original[: len(original) // 2],
        original[:-200],
        original[:contents_start] + b"<zz" + original[contents_start + 3 :],
        b"%PDF-1.7\n" + b"%%EOF\n" * 10_000,
        b"%PDF-1.7\n1 0 obj << /Reason (" + b"(" * 5000 + b"\n%%EOF",
        b"%PDF-1.7\n" + bytes(range(256)) * 100,
        original.replace(b"/Type /Page", b"/Type /Pag", 1),
        original + original,
    ]

    for content in cases:
        check = letter_check_upload(content)
        assert check.outcome in Outcome.values
        if check.letter is not None:
            assert check.letter == issued


def test_a_damaged_signature_container_is_still_a_changed_letter(issued, original):
    (signature,) = PdfFileReader(io.BytesIO(original)).embedded_regular_signatures
    inside_contents = signature.byte_range[1] + 40
    changed = bytearray(original)
    changed[inside_contents : inside_contents + 8] = b"zzzzzzzz"  # not hex: unreadable CMS

    check = letter_check_upload(bytes(changed))

    assert (check.outcome, check.letter) == (Outcome.CHANGED, issued)
    assert Change.SIGNATURE_BROKEN in check.changes
