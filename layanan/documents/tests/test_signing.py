import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from layanan.core.errors import DomainError
from layanan.core.models import Counter
from layanan.documents.rendering import RenderError
from layanan.documents.services import letter_sign, letters_sign_batch, signing_credential_issue
from layanan.documents.signing import WrongPassphrase
from layanan.documents.tests.helpers import pdf_text, pdfsig_report, qpdf_check, qr_codes
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.numbers import number_format, number_pattern_check
from layanan.letters.services import letter_return, letter_revoke

pytestmark = pytest.mark.django_db


def _counter(village) -> int:
    found = Counter.objects.filter(name=f"letter:{village.pk}:{timezone.localdate().year}").first()
    return found.value if found else 0


def test_the_guide_letter_is_signed_valid_whole_and_its_qr_is_the_verification_url(
    draft, signing_head, head_passphrase, local_ca, tmp_path
):
    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    assert issued.status == RequestStatus.TERBIT
    today = timezone.localdate()
    roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
    assert issued.letter_number == f"470/001/{roman[today.month - 1]}/{today.year}"
    assert issued.valid_until == today + dt.timedelta(days=30)
    assert issued.signer_title == "Lurah Kauman"
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(issued.document.read())
    report = pdfsig_report(pdf, local_ca.certificate, tmp_path)
    head_signature, archive_timestamp = report.split("Signature #2:")
    # The head's certification signature is intact; poppler's NSS validates certificates for
    # e-mail signing (S/MIME) only, which a document-signing certificate (RFC 9336 EKU, as
    # DESIGN §10 asks) is not: it reports the certificate, not the signature, as a problem.
    assert "Signature Field Name: TandaTanganElektronik" in head_signature
    assert "Signature Validation: Signature is Valid." in head_signature
    assert "Signature Type: ETSI.CAdES.detached" in head_signature
    # The archive timestamp covers everything after it: the whole file.
    assert "Signature Field Name: StempelWaktuArsip1" in archive_timestamp
    assert "Total document signed" in archive_timestamp
    assert qpdf_check(pdf).returncode == 0
    url = f"http://127.0.0.1:8000/v/{issued.verification_token}/"
    assert qr_codes(pdf, tmp_path) == [url]
    text = pdf_text(pdf)
    assert issued.letter_number in text
    assert issued.applicant_nik in text  # the letter itself shows the full NIK
    assert "Ditandatangani secara elektronik pada" in text
    assert "diterbitkan oleh CA Lokal Layanan Desa Mandiri" in " ".join(text.split())
    assert "KONSEP" not in text


def test_a_wrong_passphrase_signs_nothing_and_consumes_no_number(
    draft, signing_head, head_passphrase
):
    with pytest.raises(WrongPassphrase):
        letter_sign(request=draft, head=signing_head, passphrase="bukan-passphrase")

    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP
    assert draft.letter_number == ""
    assert _counter(draft.village) == 0
    assert (
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase).letter_sequence
        == 1
    )


def test_a_failure_while_rendering_leaves_no_gap(
    draft, signing_head, head_passphrase, resident, operator, monkeypatch
):
    from layanan.documents import services

    def broken(*args, **kwargs):
        raise RenderError("template broken")

    # A library failing under us (not our code): Typst refusing to compile.
    monkeypatch.setattr(services, "compile_letter", broken)
    with pytest.raises(RenderError):
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    monkeypatch.undo()

    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP
    assert _counter(draft.village) == 0
    assert (
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase).letter_sequence
        == 1
    )


def test_only_the_head_of_the_village_signs(
    draft, signing_head, operator, other_operator, resident, head_passphrase
):
    for actor in (operator, other_operator, resident):
        with pytest.raises(DomainError):
            letter_sign(request=draft, head=actor, passphrase=head_passphrase)
    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP


def test_a_request_in_proses_cannot_be_signed(resident, signing_head, head_passphrase, catalogue):
    from layanan.letters.tests.factories import LetterRequestFactory

    request = LetterRequestFactory.create(applicant=resident)

    with pytest.raises(DomainError, match="Proses"):
        letter_sign(request=request, head=signing_head, passphrase=head_passphrase)


def test_a_head_without_a_certificate_is_told_to_set_one(draft, head, local_ca):
    with pytest.raises(DomainError, match="sertifikat"):
        letter_sign(request=draft, head=head, passphrase="apa-saja-1234")


def test_repeated_wrong_passphrases_lock_signing(draft, signing_head, head_passphrase):
    for _ in range(5):
        with pytest.raises(WrongPassphrase):
            letter_sign(request=draft, head=signing_head, passphrase="salah-lagi-123")

    with pytest.raises(DomainError, match="terkunci"):
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


def test_batch_signing_with_one_passphrase(
    resident, operator, signing_head, head_passphrase, catalogue
):
    from layanan.letters.tests.factories import LetterRequestFactory

    drafts = [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(3)
    ]

    result = letters_sign_batch(requests=drafts, head=signing_head, passphrase=head_passphrase)

    assert [r.letter_sequence for r in result.signed] == [1, 2, 3]
    assert result.failed == []
    assert LetterRequest.objects.filter(status=RequestStatus.TERBIT).count() == 3


def test_batch_with_a_wrong_passphrase_signs_none(resident, signing_head, catalogue):
    from layanan.letters.tests.factories import LetterRequestFactory

    drafts = [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(2)
    ]

    with pytest.raises(WrongPassphrase):
        letters_sign_batch(requests=drafts, head=signing_head, passphrase="salah-salah-1")
    assert not LetterRequest.objects.filter(status=RequestStatus.TERBIT).exists()


def test_the_head_sends_a_draft_back_with_a_note(draft, signing_head):
    returned = letter_return(request=draft, head=signing_head, note="Keperluan kurang jelas")

    assert returned.status == RequestStatus.KONSEP
    last_event = returned.events.last()
    assert last_event is not None
    assert last_event.note == "Keperluan kurang jelas"
    with pytest.raises(DomainError):
        letter_return(request=draft, head=signing_head, note="")


def test_revocation_needs_a_reason_and_keeps_the_letter(
    draft, signing_head, head_passphrase, operator, district_admin
):
    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    with pytest.raises(DomainError):
        letter_revoke(request=issued, actor=operator, reason=" ")
    revoked = letter_revoke(request=issued, actor=district_admin, reason="Data pemohon keliru")

    assert revoked.status == RequestStatus.DICABUT
    assert revoked.status_note == "Data pemohon keliru"
    assert revoked.letter_number == issued.letter_number
    assert revoked.document_sha256 == issued.document_sha256


def test_the_database_refuses_a_second_letter_with_the_same_number(
    draft, signing_head, head_passphrase, resident, catalogue
):
    from layanan.letters.tests.factories import LetterRequestFactory

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    other = LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)

    with pytest.raises(IntegrityError), transaction.atomic():
        LetterRequest.objects.filter(pk=other.pk).update(
            status=RequestStatus.TERBIT,
            letter_number=issued.letter_number,
            letter_year=issued.letter_year,
            letter_sequence=issued.letter_sequence,
            document="x.pdf",
            document_sha256="0" * 64,
            verification_token="y" * 20,
            issued_at=timezone.now(),
            valid_until=timezone.localdate(),
        )


def test_an_issued_letter_must_have_its_number_and_document(resident, catalogue):
    from layanan.letters.tests.factories import LetterRequestFactory

    request = LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)

    with pytest.raises(IntegrityError), transaction.atomic():
        LetterRequest.objects.filter(pk=request.pk).update(status=RequestStatus.TERBIT)


def test_number_patterns():
    day = dt.date(2022, 11, 1)

    assert (
        number_format(
            "{kode}/{nomor:03}/{bulan_romawi}/{tahun}",
            code="065",
            sequence=1,
            day=day,
            village_code="33.25.11.1015",
        )
        == "065/001/XI/2022"
    )
    assert (
        number_format(
            "{kode}/{desa}/{nomor:04}/{tahun}",
            code="470",
            sequence=12,
            day=day,
            village_code="33.25.11.1015",
        )
        == "470/1015/0012/2022"
    )
    number_pattern_check("{kode}/{nomor:03}/{bulan_romawi}/{tahun}")
    for bad in ("{kode}/{tahun}", "{nomor}/{nik}", "{nomor:zz}"):
        with pytest.raises(DomainError):
            number_pattern_check(bad)


def test_the_passphrase_must_not_be_the_login_password(head, local_ca):
    from layanan.accounts.tests.factories import PASSWORD

    with pytest.raises(DomainError) as refused:
        signing_credential_issue(user=head, passphrase=PASSWORD)
    assert refused.value.code == "passphrase_is_password"
    with pytest.raises(DomainError):
        signing_credential_issue(user=head, passphrase="pendek")


def test_a_new_certificate_retires_the_old_one_and_old_letters_still_verify(
    draft, signing_head, head_passphrase
):
    from layanan.verification.services import letter_check_upload

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    signing_credential_issue(user=signing_head, passphrase="Passphrase-Baru-2027")

    from layanan.documents.services import _open_session

    assert letter_check_upload(issued.document.read()).verdict == "valid"
    with pytest.raises(WrongPassphrase):
        _open_session(head=signing_head, passphrase=head_passphrase)
