"""The verification page shows what a verifier needs and no more; the original PDF opens to
its owner or to whoever types the letter's access code (printed beside the QR code, in
neither the QR code nor the URL), never publicly once revoked."""

import hashlib

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from layanan.documents.services import letter_sign
from layanan.documents.tests.helpers import pdf_text, qr_codes
from layanan.letters.access_codes import (
    ALPHABET,
    access_code_hash,
    access_code_matches,
    access_code_new,
)
from layanan.letters.models import LetterRequest, LetterType, RequestStatus
from layanan.letters.services import letter_revoke
from layanan.letters.tests.factories import LetterRequestFactory
from layanan.verification.services import mask_nik

pytestmark = pytest.mark.django_db

HEIR_NIKS = ("3325115203800004", "3325111505100005")
PEWARIS_NIK = "3325110707500006"


@pytest.fixture
def issued(draft, signing_head, head_passphrase):
    return letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


def _urls(letter: LetterRequest) -> dict[str, str]:
    token = {"token": letter.verification_token}
    return {
        "page": reverse("verification:letter", kwargs=token),
        "pdf": reverse("verification:letter-pdf", kwargs=token),
        "form": reverse("verification:letter-download", kwargs=token),
    }


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _with_code(client: Client, letter: LetterRequest, code: str):
    return client.post(_urls(letter)["form"], {"code": code})


def _says(html: str, message: str) -> bool:
    with translation.override("id"):
        return escape(gettext(message)) in html


def _is_pdf(response) -> bool:
    return response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- The code itself ---------------------------------------------------------------------------


def test_a_code_is_eight_unambiguous_characters_in_two_groups_kept_only_as_an_hmac():
    code = access_code_new()

    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(ALPHABET)
    assert not set("01IO") & set(ALPHABET)
    stored = access_code_hash(code, token="t" * 20)
    assert code not in stored and code.replace("-", "") not in stored
    assert access_code_matches(stored, code.lower().replace("-", " "), token="t" * 20)
    assert not access_code_matches(stored, code, token="u" * 20)  # bound to its letter
    assert not access_code_matches("", code, token="t" * 20)  # a letter without a code


def test_codes_made_under_an_earlier_secret_key_still_open(settings):
    stored = access_code_hash("K7QM-2XPA", token="t" * 20)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    assert access_code_matches(stored, "K7QM-2XPA", token="t" * 20)
    assert not access_code_matches(stored, "K7QM-2XPB", token="t" * 20)


def test_the_code_is_printed_on_the_letter_but_is_not_in_its_qr_code_or_url(issued, tmp_path):
    code = issued.access_code
    stored = LetterRequest.objects.get(pk=issued.pk)
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(stored.document.read())

    assert code and stored.access_code_hash
    assert code in " ".join(pdf_text(pdf).split())
    (payload,) = qr_codes(pdf, tmp_path)
    assert payload.endswith(_urls(issued)["page"])
    assert code not in payload and code.replace("-", "") not in payload
    row = str(LetterRequest.objects.filter(pk=issued.pk).values().get())
    assert code not in row and code.replace("-", "") not in row  # only its HMAC is kept
    assert stored.access_code == ""  # a row read back has no code in clear


def test_a_batch_prints_each_letter_its_own_code(
    resident, operator, signing_head, head_passphrase, catalogue, tmp_path
):
    from layanan.documents.services import letters_sign_batch

    drafts = [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(3)
    ]
    result = letters_sign_batch(requests=drafts, head=signing_head, passphrase=head_passphrase)

    assert len(result.signed) == 3
    codes = {letter.access_code for letter in result.signed}
    assert len(codes) == 3
    for letter in result.signed:
        pdf = tmp_path / f"{letter.pk}.pdf"
        pdf.write_bytes(LetterRequest.objects.get(pk=letter.pk).document.read())
        assert letter.access_code in " ".join(pdf_text(pdf).split())
        assert _is_pdf(_with_code(Client(), letter, letter.access_code))


# --- The original PDF --------------------------------------------------------------------------


def test_without_the_code_the_pdf_is_refused_and_the_code_form_offered(client, issued):
    refused = client.get(_urls(issued)["pdf"])

    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/html")
    assert b"%PDF" not in _content(refused)
    assert _urls(issued)["form"] in refused.content.decode()
    form = client.get(_urls(issued)["form"])
    assert form.status_code == 200
    assert 'name="code"' in form.content.decode()


def test_with_the_code_the_original_byte_for_byte(client, issued):
    original = LetterRequest.objects.get(pk=issued.pk).document.read()

    for typed in (issued.access_code, issued.access_code.lower().replace("-", "")):
        response = _with_code(client, issued, typed)
        assert _is_pdf(response)
        body = _content(response)
        assert body == original
        assert hashlib.sha256(body).hexdigest() == issued.document_sha256


def test_wrong_codes_are_refused_counted_per_address_and_locked_at_the_limit(
    client, issued, settings
):
    settings.LDM_THROTTLES = {**settings.LDM_THROTTLES, "letter-code-address": (3, 3600, 3600)}
    wrong = "AAAA-AAAA" if issued.access_code != "AAAA-AAAA" else "BBBB-BBBB"

    first = _with_code(client, issued, wrong)
    assert first.status_code == 403
    assert _says(first.content.decode(), "That access code is not right for this letter.")
    assert _is_pdf(_with_code(client, issued, issued.access_code))  # a right one is not counted
    assert _with_code(client, issued, wrong).status_code == 403
    locked = _with_code(client, issued, wrong)  # the third wrong one reaches the limit
    assert locked.status_code == 429

    after = _with_code(client, issued, issued.access_code)  # locked: even the right code
    assert after.status_code == 429
    assert _says(
        after.content.decode(),
        "Too many wrong access codes from your network. Please try again in an hour.",
    )
    other_address = Client(REMOTE_ADDR="192.0.2.7")
    assert _is_pdf(_with_code(other_address, issued, issued.access_code))


def test_a_right_code_does_not_reset_the_count_of_wrong_ones(client, issued, settings):
    settings.LDM_THROTTLES = {**settings.LDM_THROTTLES, "letter-code-address": (2, 3600, 3600)}
    wrong = "AAAA-AAAA" if issued.access_code != "AAAA-AAAA" else "BBBB-BBBB"

    assert _with_code(client, issued, wrong).status_code == 403
    assert _is_pdf(_with_code(client, issued, issued.access_code))
    assert _with_code(client, issued, wrong).status_code == 429


def test_a_revoked_letter_is_never_given_out_publicly_but_its_owner_keeps_it(
    client, issued, operator, resident
):
    letter_revoke(request=issued, actor=operator, reason="Diterbitkan untuk orang yang salah")
    urls = _urls(issued)

    assert client.get(urls["pdf"]).status_code == 404
    assert client.get(urls["form"]).status_code == 404
    assert _with_code(client, issued, issued.access_code).status_code == 404
    page = client.get(urls["page"]).content.decode()
    assert urls["pdf"] not in page and urls["form"] not in page
    client.force_login(resident)
    own = client.get(urls["pdf"])
    assert _is_pdf(own)
    assert "DICABUT" in client.get(urls["page"]).content.decode()


def test_the_owner_logged_in_needs_no_code_and_others_do(client, issued, resident, other_resident):
    urls = _urls(issued)
    client.force_login(resident)
    assert _is_pdf(client.get(urls["pdf"]))
    assert client.get(urls["form"])["Location"] == urls["pdf"]
    assert urls["pdf"] in client.get(urls["page"]).content.decode()

    client.force_login(other_resident)
    assert client.get(urls["pdf"]).status_code == 403


def test_open_mode_gives_anyone_the_pdf_but_never_a_revoked_one(client, issued, operator, settings):
    settings.LDM_VERIFICATION_PDF_DOWNLOAD = "open"
    urls = _urls(issued)

    assert _is_pdf(client.get(urls["pdf"]))
    assert urls["pdf"] in client.get(urls["page"]).content.decode()
    letter_revoke(request=issued, actor=operator, reason="Salah orang")
    assert client.get(urls["pdf"]).status_code == 404


def test_off_mode_gives_nobody_the_pdf_from_the_verification_page(
    client, issued, resident, settings
):
    settings.LDM_VERIFICATION_PDF_DOWNLOAD = "off"
    urls = _urls(issued)

    assert client.get(urls["pdf"]).status_code == 404
    assert _with_code(client, issued, issued.access_code).status_code == 404
    page = client.get(urls["page"]).content.decode()
    assert urls["pdf"] not in page and urls["form"] not in page
    client.force_login(resident)
    assert client.get(urls["pdf"]).status_code == 404  # the owner has Riwayat


def test_a_letter_issued_before_access_codes_opens_to_its_owner_only(client, issued, resident):
    LetterRequest.objects.filter(pk=issued.pk).update(access_code_hash="")
    urls = _urls(issued)
    message = (
        "This letter was issued before letters carried an access code: its original PDF is "
        "downloaded by its owner only, logged in (Riwayat)."
    )

    assert _says(client.get(urls["page"]).content.decode(), message)
    assert _says(client.get(urls["form"]).content.decode(), message)
    assert client.get(urls["pdf"]).status_code == 403
    assert _with_code(client, issued, issued.access_code).status_code == 403
    client.force_login(resident)
    assert _is_pdf(client.get(urls["pdf"]))


def test_the_page_the_form_and_the_files_are_noindex_and_no_store(client, issued, resident):
    urls = _urls(issued)
    responses = {
        "page": client.get(urls["page"]),
        "refused": client.get(urls["pdf"]),
        "form": client.get(urls["form"]),
        "wrong": _with_code(client, issued, "AAAA-AAAB"),
        "pdf by code": _with_code(client, issued, issued.access_code),
    }
    client.force_login(resident)
    responses["pdf of the owner"] = client.get(urls["pdf"])

    for name, response in responses.items():
        assert "noindex" in response["X-Robots-Tag"], name
        assert "no-store" in response["Cache-Control"], name
    for name in ("page", "form"):
        assert (
            '<meta name="robots" content="noindex, nofollow">' in responses[name].content.decode()
        )


def test_the_cached_page_is_the_public_view_and_the_code_form_works_without_a_session(
    issued, resident, settings
):
    settings.LDM_PUBLIC_PAGE_CACHE = {"verification:letter": 10}
    urls = _urls(issued)
    owner = Client()
    owner.force_login(resident)
    assert urls["pdf"] in owner.get(urls["page"]).content.decode()  # the owner's own link

    first, cached = Client().get(urls["page"]), Client().get(urls["page"])

    for response in (first, cached):
        html = response.content.decode()
        assert urls["pdf"] not in html  # never the owner's view
        assert urls["form"] in html
        assert "csrfmiddlewaretoken" not in html
        assert issued.access_code not in html
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
    assert cached.content == first.content
    visitor = Client(enforce_csrf_checks=True)  # no session, CSRF checked as in production
    form = visitor.get(urls["form"])
    token = visitor.cookies[settings.CSRF_COOKIE_NAME].value
    assert form.status_code == 200 and token
    html = form.content.decode()
    field = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert _is_pdf(
        visitor.post(urls["form"], {"code": issued.access_code, "csrfmiddlewaretoken": field})
    )
    assert visitor.post(urls["form"], {"code": issued.access_code}).status_code == 403


# --- What the page shows ----------------------------------------------------------------------


def _issued_of(code: str, data: dict, *, resident, signing_head, head_passphrase):
    letter_type = LetterType.objects.get(code=code)
    konsep = LetterRequestFactory.create(
        applicant=resident, status=RequestStatus.KONSEP, letter_type=letter_type, data=data
    )
    return letter_sign(request=konsep, head=signing_head, passphrase=head_passphrase)


def test_the_page_never_shows_a_third_partys_nik_even_if_the_type_were_marked_so(
    client, resident, signing_head, head_passphrase, catalogue
):
    data = {
        "nama_pewaris": "Darmo Suwito",
        "nik_pewaris": PEWARIS_NIK,
        "tanggal_meninggal": "2022-10-01",
        "tempat_meninggal": "Batang",
        "alamat_terakhir_pewaris": "",
        "ahli_waris": [
            {"nama": "Sri Wahyuni", "nik": HEIR_NIKS[0], "hubungan": "Istri"},
            {"nama": "Budi Santoso", "nik": HEIR_NIKS[1], "hubungan": "Anak Kandung"},
        ],
        "keperluan": "Balik nama sertifikat tanah",
    }
    letter = _issued_of(
        "SK-AHLI-WARIS",
        data,
        resident=resident,
        signing_head=signing_head,
        head_passphrase=head_passphrase,
    )
    # Past any editor: the database itself says the NIK fields are public.
    LetterType.objects.filter(code="SK-AHLI-WARIS").update(
        public_fields=["nama_pewaris", "nik_pewaris", "ahli_waris"]
    )

    html = client.get(_urls(letter)["page"]).content.decode()

    assert "Darmo Suwito" in html  # the one field that may be public
    for nik in (PEWARIS_NIK, *HEIR_NIKS):
        assert nik not in html
        assert mask_nik(nik) not in html
    assert "Sri Wahyuni" not in html  # the heirs' table holds NIKs: not shown at all
    assert resident.username not in html  # the applicant's NIK only masked
    assert mask_nik(letter.applicant_nik) in html
    assert "Balik nama" not in html  # the purpose is not public unless marked


def test_the_page_never_shows_income(client, resident, signing_head, head_passphrase, catalogue):
    letter = _issued_of(
        "SK-TIDAK-MAMPU",
        {"anggota_keluarga": [], "penghasilan_per_bulan": 734500, "keperluan": "Beasiswa"},
        resident=resident,
        signing_head=signing_head,
        head_passphrase=head_passphrase,
    )
    LetterType.objects.filter(code="SK-TIDAK-MAMPU").update(
        public_fields=["penghasilan_per_bulan", "keperluan"]
    )

    html = client.get(_urls(letter)["page"]).content.decode()

    assert "734" not in html
    assert "Beasiswa" in html  # the purpose, marked public


def test_the_page_shows_exactly_the_fields_marked_public(
    client, resident, signing_head, head_passphrase, catalogue
):
    data = {
        "nama_usaha": "Warung Berkah Jaya",
        "jenis_usaha": "Warung kelontong",
        "alamat_usaha": "Jl. Pemuda 12 Kauman",
        "tahun_mulai_usaha": 2015,
        "keperluan": "Kredit usaha rakyat",
    }
    letter = _issued_of(
        "SK-USAHA",
        data,
        resident=resident,
        signing_head=signing_head,
        head_passphrase=head_passphrase,
    )
    page = _urls(letter)["page"]

    html = client.get(page).content.decode()
    for value in ("Warung Berkah Jaya", "Warung kelontong", "Pemuda 12", "2015", "Kredit"):
        assert value not in html  # none public by default
    LetterType.objects.filter(code="SK-USAHA").update(public_fields=["nama_usaha", "alamat_usaha"])

    html = client.get(page).content.decode()
    assert "Nama Usaha" in html and "Warung Berkah Jaya" in html
    assert "Alamat Usaha" in html and "Pemuda 12" in html
    assert "Warung kelontong" not in html and "Kredit usaha" not in html
    assert letter.applicant_address not in html and letter.applicant_occupation not in html


# --- The setting ------------------------------------------------------------------------------


def _check_ids(**options) -> set[str | None]:
    return {message.id for message in run_checks(**options)}


def test_open_mode_warns_in_check_deploy_and_an_unknown_mode_is_an_error(settings):
    assert "verification.W001" not in _check_ids(include_deployment_checks=True)
    settings.LDM_VERIFICATION_PDF_DOWNLOAD = "open"
    assert "verification.W001" in _check_ids(include_deployment_checks=True)
    assert "verification.W001" not in _check_ids()  # a deployment warning only
    settings.LDM_VERIFICATION_PDF_DOWNLOAD = "everyone"
    assert "verification.E001" in _check_ids()
