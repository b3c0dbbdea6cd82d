"""Signing through BSrE, end to end: the fake BSrE server (bsre_fake) runs as a real process
on loopback and the BSrE adapter talks HTTP to it, API v1 and v2."""

import contextlib
import hashlib
import io
import logging
import select
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator

import httpx
import pytest
from cryptography import x509
from django.apps import apps
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from layanan.audit.models import AuditEntry
from layanan.core.errors import DomainError
from layanan.core.models import Counter
from layanan.documents.services import letter_sign, letters_sign_batch
from layanan.documents.signing import SignerNotReady, WrongPassphrase, _signer
from layanan.documents.tests.helpers import pdf_text, pdfsig_report, qpdf_check, qr_codes
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.verification.services import letter_check_upload, trust_roots_forget

pytestmark = pytest.mark.django_db

NIK = "3325111507800001"
PASSPHRASE = "Rahasia-TTE-Lurah-7731"  # a distinctive string, searched for everywhere
APP_USER = "layanan-desa-test"
APP_PASSWORD = "kredensial-aplikasi-uji"
# The client's timeout in the timeout cases, and how long the "slow" fake takes to answer:
# twenty times longer, so that a loaded machine cannot let the answer arrive in time.
SHORT_TIMEOUT = 0.5
SLOW_ANSWER_SECONDS = 10
CONFIG = f"""
[auth]
username = "{APP_USER}"
password = "{APP_PASSWORD}"

[[user]]
nik = "{NIK}"
name = "Hendra Wijaya"
passphrase = "{PASSPHRASE}"
status = "ISSUE"
"""


class FakeBSrE:
    """The fake server process, seen from the tests."""

    def __init__(self, url: str, ca_pem: bytes, ca_path):
        self.url = url
        self.ca_pem = ca_pem
        self.ca_path = ca_path
        # The fake's root: the trust anchor of its signatures, timestamps and revocation.
        self.ca_certificate = x509.load_pem_x509_certificate(ca_pem)

    def mode(self, mode: str, delay: float | None = None) -> None:
        body = {"mode": mode} | ({"delay": delay} if delay is not None else {})
        httpx.post(f"{self.url}/_fake/mode", json=body, timeout=5).raise_for_status()

    def stats(self) -> dict:
        return httpx.get(f"{self.url}/_fake/stats", timeout=5).json()

    def revoke(self, nik: str, reason: str = "key_compromise") -> dict:
        """Revoke the user's certificate at the fake's CA (its CRL and OCSP say so at once)."""
        answer = httpx.post(
            f"{self.url}/_fake/revoke", json={"nik": nik, "reason": reason}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def reissue(self, nik: str) -> None:
        """A new certificate for the user, who may sign again."""
        httpx.post(f"{self.url}/_fake/reissue", json={"nik": nik}, timeout=10).raise_for_status()


@contextlib.contextmanager
def fake_bsre_running(folder, *options: str) -> Iterator[FakeBSrE]:
    """``python -m bsre_fake`` on a free loopback port with the users of CONFIG, until the
    block ends; ``options`` are more command-line options (``--pki-url ...``)."""
    config = folder / "users.toml"
    config.write_text(CONFIG)
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "bsre_fake",
            "--port",
            "0",
            "--config",
            str(config),
            "--verbose",
            *options,
        ],
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    stdout = process.stdout
    assert stdout is not None  # stdout=PIPE
    try:
        ready, _, _ = select.select([stdout], [], [], 30)
        first = stdout.readline() if ready else ""
        if "listening on" not in first:
            pytest.fail(f"the fake BSrE server did not start: {first!r}")
        url = first.split()[-1]
        deadline = time.monotonic() + 30
        while True:
            try:
                ca_pem = httpx.get(f"{url}/_fake/ca.pem", timeout=2).content
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        ca_path = folder / "fake-bsre-ca.pem"
        ca_path.write_bytes(ca_pem)
        yield FakeBSrE(url, ca_pem, ca_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stdout.close()
        log.close()


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory):
    """The fake BSrE server for the tests of this module."""
    with fake_bsre_running(tmp_path_factory.mktemp("bsre-fake")) as fake:
        yield fake


def bsre_configure(settings, fake: FakeBSrE, head) -> None:
    """Settings for LDM_SIGNER=bsre against ``fake`` (API v1), its root among the trust
    roots, and the Lurah's NIK in his staff profile."""
    settings.LDM_SIGNER = "bsre"
    settings.LDM_BSRE_URL = fake.url
    settings.LDM_BSRE_API_VERSION = 1
    settings.LDM_BSRE_USERNAME = APP_USER
    settings.LDM_BSRE_PASSWORD = APP_PASSWORD
    settings.LDM_BSRE_TIMEOUT = 30
    settings.LDM_BSRE_APPEARANCE = "invisible"
    settings.LDM_TRUST_ROOTS = [str(fake.ca_path)]
    _signer.cache_clear()
    trust_roots_forget()
    fake.mode("ok")
    head.staff_nik = NIK
    head.save(update_fields=["staff_nik"])


@pytest.fixture
def bsre(settings, fake_server, head, local_ca):
    """Settings for LDM_SIGNER=bsre against the fake server (API v1; tests switch to v2),
    the fake CA among the trust roots, the Lurah's NIK in his staff profile, and our PKI,
    whose time-stamping unit stamps every letter BSrE signs (B-LTA)."""
    bsre_configure(settings, fake_server, head)
    yield fake_server
    fake_server.mode("ok")
    _signer.cache_clear()
    trust_roots_forget()


def _counter(village) -> int:
    found = Counter.objects.filter(name=f"letter:{village.pk}:{timezone.localdate().year}").first()
    return found.value if found else 0


def _drafts(resident, count: int) -> list[LetterRequest]:
    from layanan.letters.tests.factories import LetterRequestFactory

    return [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(count)
    ]


def _check_pdf(letter: LetterRequest, fake: FakeBSrE, folder) -> bytes:
    """The issued file passes pdfsig (BSrE's signature valid and trusted with the fake root,
    our archive timestamp over the whole file after it) and qpdf."""
    folder.mkdir()
    content = letter.document.read()
    pdf = folder / "surat.pdf"
    pdf.write_bytes(content)
    report = pdfsig_report(pdf, fake.ca_certificate, folder)
    bsre_signature, archive_timestamp = report.split("Signature #2:")
    assert "Signature is Valid" in bsre_signature
    assert "Certificate is Trusted" in bsre_signature
    assert "Hendra Wijaya" in bsre_signature
    assert "Signature Field Name: StempelWaktuArsip1" in archive_timestamp
    assert "Total document signed" in archive_timestamp
    assert qpdf_check(pdf).returncode == 0
    return content


def _signer_fingerprint(content: bytes) -> str:
    (signature,) = PdfFileReader(io.BytesIO(content)).embedded_regular_signatures
    return hashlib.sha256(signature.signer_cert.dump()).hexdigest()


def test_a_letter_signed_through_bsre_v1_is_issued_valid_and_verifiable(
    bsre, draft, head, client, tmp_path
):
    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    assert issued.status == RequestStatus.TERBIT
    assert issued.letter_sequence == 1
    assert issued.signature_backend == "bsre"
    content = _check_pdf(issued, bsre, tmp_path / "pdf")
    assert issued.certificate_fingerprint == _signer_fingerprint(content)
    assert issued.document_sha256 == hashlib.sha256(content).hexdigest()
    url = f"http://127.0.0.1:8000/v/{issued.verification_token}/"
    assert qr_codes(tmp_path / "pdf" / "surat.pdf", tmp_path) == [url]  # invisible: ours only
    assert letter_check_upload(content).verdict == "valid"
    assert letter_check_upload(content + b"\n% changed\n").verdict == "tampered"
    page = client.get(reverse("verification:letter", kwargs={"token": issued.verification_token}))
    assert "Terbit" in page.content.decode()
    assert bsre.stats() == {"sign_calls": 1, "documents_signed": 1}


def test_a_batch_of_10_through_bsre_v2_is_one_call_and_consecutive_numbers(
    bsre, settings, resident, head, catalogue, tmp_path
):
    settings.LDM_BSRE_API_VERSION = 2
    drafts = _drafts(resident, 10)

    result = letters_sign_batch(requests=drafts, head=head, passphrase=PASSPHRASE)

    assert result.failed == []
    assert [letter.pk for letter in result.signed] == [d.pk for d in drafts]
    assert [letter.letter_sequence for letter in result.signed] == list(range(1, 11))
    assert LetterRequest.objects.filter(status=RequestStatus.TERBIT).count() == 10
    assert bsre.stats() == {"sign_calls": 1, "documents_signed": 10}
    for index, letter in enumerate(result.signed):
        letter.refresh_from_db()
        content = _check_pdf(letter, bsre, tmp_path / f"pdf{index}")
        assert letter.signature_backend == "bsre"
        assert letter.certificate_fingerprint == _signer_fingerprint(content)
        assert letter_check_upload(content).verdict == "valid"
        # Each letter of the one call got its own access code, printed before BSrE signed.
        assert letter.access_code in pdf_text(tmp_path / f"pdf{index}" / "surat.pdf")
    assert len({letter.access_code for letter in result.signed}) == 10
    assert _counter(head.village) == 10


@pytest.mark.parametrize(
    ("version", "appearance"), [(1, "qr_marker"), (2, "qr_marker"), (2, "qr_coordinates")]
)
def test_a_visible_bsre_signature_is_a_second_qr_code_of_the_same_url(
    bsre, settings, draft, head, tmp_path, version, appearance
):
    settings.LDM_BSRE_API_VERSION = version
    settings.LDM_BSRE_APPEARANCE = appearance

    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    _check_pdf(issued, bsre, tmp_path / "pdf")
    url = f"http://127.0.0.1:8000/v/{issued.verification_token}/"
    assert qr_codes(tmp_path / "pdf" / "surat.pdf", tmp_path) == [url, url]
    assert issued.access_code in pdf_text(tmp_path / "pdf" / "surat.pdf")  # not in the QR


def test_the_marker_is_printed_only_when_bsre_places_the_signature_by_it(
    bsre, settings, draft, head
):
    from layanan.documents.rendering import letter_data

    assert letter_data(draft, None)["signature_marker"] == ""
    settings.LDM_BSRE_APPEARANCE = "qr_marker"
    assert letter_data(draft, None)["signature_marker"] == "#"
    settings.LDM_SIGNER = "local"
    assert letter_data(draft, None)["signature_marker"] == ""


def test_a_service_that_rewrites_the_file_is_accepted_if_it_is_still_our_letter(
    bsre, draft, head, tmp_path
):
    bsre.mode("rewrite")

    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    assert issued.status == RequestStatus.TERBIT
    _check_pdf(issued, bsre, tmp_path / "pdf")


FAILURES = [
    # mode, the error code, words of the message the head reads
    ("wrong_passphrase", "wrong_passphrase", "Passphrase salah (BSrE: Passphrase anda salah)"),
    ("not_registered", "signer_not_ready", "tidak terdaftar"),
    ("expired", "signer_not_ready", "kedaluwarsa"),
    ("slow", "signer_unavailable", "Layanan TTE tidak tersedia"),
    ("error500", "signer_unavailable", "Layanan TTE tidak tersedia"),
    ("garbage", "signer_unavailable", "Layanan TTE tidak tersedia"),
    ("foreign", "not_our_document", "bukan surat ini"),
    ("unsigned", "not_signed", "tanpa tanda tangan yang sah"),
    ("reject_pdf", "pdf_rejected", "Proses signing gagal"),
]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("mode", "code", "words"), FAILURES)
def test_each_failure_of_bsre_leaves_the_letter_a_draft_with_no_number_consumed(
    bsre, settings, draft, head, version, mode, code, words
):
    settings.LDM_BSRE_API_VERSION = version
    if mode == "slow":
        settings.LDM_BSRE_TIMEOUT = SHORT_TIMEOUT
    bsre.mode(mode, delay=SLOW_ANSWER_SECONDS if mode == "slow" else None)

    with pytest.raises(DomainError) as raised:
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    assert raised.value.code == code
    assert words in raised.value.message
    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP
    assert draft.letter_number == ""
    assert not draft.document
    assert _counter(draft.village) == 0
    assert not Counter.objects.filter(name__startswith=f"letter:{draft.village_id}:").exists()
    bsre.mode("ok")
    settings.LDM_BSRE_TIMEOUT = 30
    assert letter_sign(request=draft, head=head, passphrase=PASSPHRASE).letter_sequence == 1


def test_a_failed_v2_batch_issues_none_and_consumes_no_number(
    bsre, settings, resident, head, catalogue
):
    settings.LDM_BSRE_API_VERSION = 2
    drafts = _drafts(resident, 3)
    bsre.mode("error500")

    result = letters_sign_batch(requests=drafts, head=head, passphrase=PASSPHRASE)

    assert result.signed == []
    assert [r.pk for r, _reason in result.failed] == [d.pk for d in drafts]
    assert all("Layanan TTE tidak tersedia" in reason for _r, reason in result.failed)
    assert _counter(head.village) == 0
    assert not LetterRequest.objects.filter(status=RequestStatus.TERBIT).exists()
    assert bsre.stats()["sign_calls"] == 1  # never sent again on its own


def test_a_wrong_passphrase_stops_a_batch_before_anything_is_issued(
    bsre, resident, head, catalogue
):
    drafts = _drafts(resident, 2)

    with pytest.raises(WrongPassphrase):
        letters_sign_batch(requests=drafts, head=head, passphrase="bukan-passphrase-nya")
    assert not LetterRequest.objects.filter(status=RequestStatus.TERBIT).exists()
    assert bsre.stats()["sign_calls"] == 1


def test_wrong_passphrases_at_bsre_lock_signing_and_are_audited(bsre, draft, head):
    for _ in range(5):
        with pytest.raises(WrongPassphrase):
            letter_sign(request=draft, head=head, passphrase="salah-lagi-1234")

    with pytest.raises(DomainError, match="terkunci"):
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    assert AuditEntry.objects.filter(action="signing.wrong_passphrase").count() == 5
    assert bsre.stats()["sign_calls"] == 5


def test_a_head_without_a_nik_in_the_staff_profile_is_told_so(bsre, draft, head):
    head.staff_nik = ""
    head.save(update_fields=["staff_nik"])

    with pytest.raises(SignerNotReady, match="NIK"):
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    assert bsre.stats()["sign_calls"] == 0


def _database_dump() -> tuple[str, bytes]:
    """Every value of every row of every table, as text and as bytes."""
    texts, blobs = [], []
    for model in apps.get_models():
        for row in model._default_manager.all():
            for field in model._meta.concrete_fields:
                value = getattr(row, field.attname)
                if isinstance(value, memoryview | bytes | bytearray):
                    blobs.append(bytes(value))
                texts.append(str(value))
    return "\n".join(texts), b"\n".join(blobs)


def test_the_passphrase_is_never_logged_stored_audited_or_put_in_an_error(
    bsre, settings, resident, draft, head, catalogue, caplog
):
    # Every logger at DEBUG, httpx and httpcore included (the settings keep them at WARNING).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="httpcore")
    errors = []

    def attempt(mode, passphrase, version=1, **extra):
        settings.LDM_BSRE_API_VERSION = version
        bsre.mode(mode, **extra)
        try:
            letter_sign(request=draft, head=head, passphrase=passphrase)
        except DomainError as error:
            errors.append(error)

    wrong = "Passphrase-Keliru-5519"
    settings.LDM_BSRE_TIMEOUT = SHORT_TIMEOUT
    attempt("slow", PASSPHRASE, delay=SLOW_ANSWER_SECONDS)
    attempt("slow", PASSPHRASE, version=2, delay=SLOW_ANSWER_SECONDS)
    settings.LDM_BSRE_TIMEOUT = 30
    for version in (1, 2):
        attempt("ok", wrong, version=version)
        for mode in ("error500", "garbage", "foreign", "reject_pdf", "not_registered"):
            attempt(mode, PASSPHRASE, version=version)
    attempt("ok", PASSPHRASE, version=1)
    settings.LDM_BSRE_API_VERSION = 2
    bsre.mode("ok")
    batch = letters_sign_batch(requests=_drafts(resident, 2), head=head, passphrase=PASSPHRASE)

    assert len(batch.signed) == 2
    assert len(errors) == 14
    assert LetterRequest.objects.filter(status=RequestStatus.TERBIT).count() == 3
    formatter = logging.Formatter()
    logged = "\n".join(
        record.getMessage()
        + (formatter.formatException(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )
    assert "HTTP Request" in logged  # httpx did log its requests
    assert "send_request_body" in logged  # and httpcore its DEBUG trace
    raised = "\n".join(
        f"{error}\n{error!r}\n{''.join(traceback.format_exception(error))}" for error in errors
    )
    audited = "\n".join(str(entry.data) for entry in AuditEntry.objects.all())
    assert AuditEntry.objects.filter(action="signing.wrong_passphrase").count() == 2
    text, blobs = _database_dump()
    files = b"".join(
        letter.document.read() for letter in LetterRequest.objects.exclude(document="")
    )
    for secret in (PASSPHRASE, wrong):
        assert secret not in logged
        assert secret not in raised
        assert secret not in audited
        assert secret not in text
        assert secret.encode() not in blobs
        assert secret.encode() not in files


def test_the_head_reads_bsre_s_words_on_the_request_page_and_signs_there(bsre, client, draft, head):
    client.force_login(head)
    sign = reverse("documents:sign", kwargs={"number": draft.registration_number})

    wrong = client.post(sign, {"passphrase": "bukan-ini-passphrase"}, follow=True)
    assert "Passphrase salah (BSrE: Passphrase anda salah)" in wrong.content.decode()
    bsre.mode("error500")
    down = client.post(sign, {"passphrase": PASSPHRASE}, follow=True).content.decode()
    assert "Layanan TTE tidak tersedia" in down
    assert PASSPHRASE not in down
    assert LetterRequest.objects.get(pk=draft.pk).status == RequestStatus.KONSEP
    bsre.mode("ok")
    client.post(sign, {"passphrase": PASSPHRASE})
    assert LetterRequest.objects.get(pk=draft.pk).status == RequestStatus.TERBIT


def test_the_signing_queue_signs_a_batch_through_bsre_v2(
    bsre, settings, client, resident, head, catalogue
):
    settings.LDM_BSRE_API_VERSION = 2
    drafts = _drafts(resident, 3)
    client.force_login(head)

    response = client.post(
        reverse("documents:signing-queue"),
        {"letters": [drafts[0].pk, drafts[2].pk], "passphrase": PASSPHRASE},
        follow=True,
    )

    assert "2 surat ditandatangani" in response.content.decode()
    assert bsre.stats() == {"sign_calls": 1, "documents_signed": 2}


def test_the_upload_check_knows_bsre_signatures_by_the_configured_trust_roots(bsre, settings):
    from bsre_fake.server import foreign_pdf

    signed = httpx.post(
        f"{bsre.url}/api/sign/pdf",
        auth=(APP_USER, APP_PASSWORD),
        data={"nik": NIK, "passphrase": PASSPHRASE, "tampilan": "invisible"},
        files={"file": ("lain.pdf", foreign_pdf(), "application/pdf")},
        timeout=30,
    ).content

    # Signed by a key under a trust root but not issued by us: a changed letter of ours.
    assert letter_check_upload(signed).verdict == "tampered"
    settings.LDM_TRUST_ROOTS = []
    trust_roots_forget()
    assert letter_check_upload(signed).verdict == "unknown"
