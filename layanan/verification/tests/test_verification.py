import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape

from layanan.documents.services import letter_sign
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


def _page(client, letter):
    return client.get(reverse("verification:letter", kwargs={"token": letter.verification_token}))


def test_the_qr_page_shows_the_letter_with_a_masked_nik(client, issued):
    response = _page(client, issued)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Terbit" in html
    assert issued.letter_number in html
    assert issued.registration_number in html
    assert issued.applicant_name.upper() in html
    assert mask_nik(issued.applicant_nik) in html
    assert issued.applicant_nik not in html
    # The village as the letter writes it ("Kelurahan Kauman, Kecamatan Batang").
    assert '<dt class="col-sm-4">Kelurahan</dt><dd class="col-sm-8">Kauman</dd>' in html
    assert '<dt class="col-sm-4">Kecamatan</dt><dd class="col-sm-8">Batang</dd>' in html
    assert "KAUMAN" not in html
    assert issued.signer_name.upper() in html
    assert issued.applicant_address not in html  # nothing beyond what the page needs
    assert "Mengurus Dokumen Perizinan Berusaha" not in html  # the purpose is not public
    assert (
        f"{formats.date_format(issued.valid_from)} s.d. {formats.date_format(issued.valid_until)}"
        in html
    )


def test_the_qr_page_takes_one_query_for_a_revoked_letter_too(
    client, issued, operator, django_assert_num_queries
):
    _page(client, issued)  # the first request of a process loads the regency's name
    with django_assert_num_queries(1):  # the letter, with nothing left to load later
        _page(client, issued)
    letter_revoke(request=issued, actor=operator, reason="Diterbitkan untuk orang yang salah")
    with django_assert_num_queries(1):
        assert "orang yang salah" in _page(client, issued).content.decode()


def test_the_nik_mask():
    assert mask_nik("3325110101000000") == "3325**********00"


def test_unknown_tokens_are_simply_not_found(client, issued):
    assert client.get(reverse("verification:letter", kwargs={"token": "x" * 20})).status_code == 404
    assert client.get(f"/v/{issued.pk}/").status_code == 404


def test_a_revoked_letter_says_dicabut_with_the_reason(client, issued, operator):
    letter_revoke(request=issued, actor=operator, reason="Diterbitkan untuk orang yang salah")

    html = _page(client, issued).content.decode()

    assert "Dicabut" in html
    assert "Diterbitkan untuk orang yang salah" in html


def test_a_letter_past_its_validity_shows_kedaluwarsa(client, issued):
    LetterRequest.objects.filter(pk=issued.pk).update(valid_until=dt.date(2000, 1, 1))

    assert "Kedaluwarsa" in _page(client, issued).content.decode()


def test_the_original_pdf_is_offered_unless_the_kabupaten_turns_it_off(client, issued, settings):
    url = reverse("verification:letter-download", kwargs={"token": issued.verification_token})

    assert url in _page(client, issued).content.decode()
    response = client.post(url, {"code": issued.access_code})  # test_access_code.py: the rest
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"
    settings.LDM_VERIFICATION_PDF_DOWNLOAD = "off"
    assert client.post(url, {"code": issued.access_code}).status_code == 404
    assert url not in _page(client, issued).content.decode()


def _upload(client, content: bytes):
    return client.post(
        reverse("verification:upload"),
        {"document": SimpleUploadedFile("surat.pdf", content, "application/pdf")},
    ).content.decode()


def _says(html: str, *messages) -> bool:
    with translation.override("id"):
        return all(escape(str(message)) in html for message in messages)


def test_the_upload_check_tells_apart_original_changed_unknown_revoked_and_expired(
    client, issued, operator
):
    original = issued.document.read()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01

    assert letter_check_upload(original).outcome == Outcome.ORIGINAL
    assert letter_check_upload(original).state == LetterState.VALID
    assert letter_check_upload(bytes(flipped)).outcome == Outcome.CHANGED
    assert letter_check_upload(b"%PDF-1.7\n%%EOF").outcome == Outcome.UNKNOWN
    assert letter_check_upload(b"bukan pdf").outcome == Outcome.UNKNOWN
    assert _says(_upload(client, original), Outcome.ORIGINAL.label)
    assert _says(_upload(client, bytes(flipped)), Outcome.CHANGED.label)
    assert _says(_upload(client, b"bukan pdf"), Outcome.UNKNOWN.label)
    LetterRequest.objects.filter(pk=issued.pk).update(valid_until=dt.date(2000, 1, 1))
    assert letter_check_upload(original).state == LetterState.EXPIRED
    letter_revoke(request=LetterRequest.objects.get(pk=issued.pk), actor=operator, reason="Salah")
    check = letter_check_upload(original)
    assert (check.outcome, check.state) == (Outcome.ORIGINAL, LetterState.REVOKED)
    assert check.verdict == "revoked"  # the one-word answer other callers read


def test_a_changed_letter_without_its_token_is_told_by_its_signature(issued):
    original = issued.document.read()
    # Change the reason so that it no longer names the letter's token.
    changed = original.replace(b"\\057v\\057", b"\\057w\\057", 1)
    assert changed != original

    check = letter_check_upload(changed)

    assert check.outcome == Outcome.CHANGED
    assert Change.SIGNATURE_BROKEN in check.changes
    assert check.letter == issued  # named by the page's text, signed with its certificate


def test_uploads_are_limited_per_address(client, settings):
    settings.LDM_THROTTLES = {**settings.LDM_THROTTLES, "verify-upload-address": (3, 3600, 3600)}
    for _ in range(3):
        _upload(client, b"x")

    assert "Terlalu banyak" in _upload(client, b"x")
