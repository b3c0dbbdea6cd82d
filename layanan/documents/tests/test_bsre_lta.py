"""Letters BSrE signs are PAdES B-LTA, as ours are: the fake BSrE (a real process, as in
test_bsre.py) signs B-T with its own TSA and publishes its CA's CRLs and OCSP answers; we add
the DSS with what its CA answered after the signing and our document timestamp, and renew
it in the archive. pyHanko's AdES-LTA validation, offline, says valid now and ten years on,
after the head's BSrE certificate was revoked."""

import datetime as dt
import io
import logging
import socket

import httpx
import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.status import SignatureCoverageLevel

from layanan.core.errors import DomainError
from layanan.core.models import Counter
from layanan.documents.archive import letters_archive_renew
from layanan.documents.models import CertificatePurpose, LetterArchive
from layanan.documents.pki.authority import authorities, service_identity
from layanan.documents.pki.lifecycle import pki_maintain
from layanan.documents.services import letter_sign
from layanan.documents.signing import SignerNotReady, _signer
from layanan.documents.tests.helpers import pades_lta_validation, pdfsig_report, qpdf_check
from layanan.documents.tests.test_bsre import (
    APP_PASSWORD,
    APP_USER,
    NIK,
    PASSPHRASE,
    bsre_configure,
    fake_bsre_running,
)
from layanan.letters.models import RequestStatus
from layanan.verification.services import letter_check_upload, trust_roots_forget

pytestmark = pytest.mark.django_db

YEAR = dt.timedelta(days=365)
FAKE_TSA = "Fake BSrE TSA (NOT FOR PRODUCTION)"
FAKE_CA = "Fake BSrE CA (NOT FOR PRODUCTION)"
FAKE_ROOT = "Fake Root CA Indonesia (NOT FOR PRODUCTION)"


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory):
    with fake_bsre_running(tmp_path_factory.mktemp("bsre-fake")) as fake:
        yield fake


def _closed_port() -> int:
    """A loopback port nobody listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fake_without_revocation(tmp_path_factory):
    """A second fake BSrE whose certificates name a CRL and an OCSP responder at a closed
    port: it signs, but nobody answers for its certificates."""
    folder = tmp_path_factory.mktemp("bsre-fake-closed")
    with fake_bsre_running(folder, "--pki-url", f"http://127.0.0.1:{_closed_port()}") as fake:
        yield fake


@pytest.fixture
def bsre(settings, fake_server, head, local_ca):
    bsre_configure(settings, fake_server, head)
    yield fake_server
    fake_server.mode("ok")
    fake_server.reissue(NIK)  # a test may have revoked the head's certificate
    _signer.cache_clear()
    trust_roots_forget()


def _pdf(letter) -> bytes:
    letter.refresh_from_db()
    with letter.document.open("rb") as handle:
        return handle.read()


def _common_name(certificate) -> str:
    return certificate.subject.native["common_name"]


def _dss(content: bytes) -> tuple[list[ocsp.OCSPResponse], list[x509.CertificateRevocationList]]:
    dss = PdfFileReader(io.BytesIO(content)).root["/DSS"].get_object()
    answers = [ocsp.load_der_ocsp_response(s.get_object().data) for s in dss["/OCSPs"]]
    crls = [x509.load_der_x509_crl(s.get_object().data) for s in dss["/CRLs"]]
    return answers, crls


def _validation(content: bytes, fake, *, at=None):
    """pyHanko's PAdES-LTA validation, offline, with the fake's root and ours as trust
    anchors and our current time-stamping unit trusted as the newest timestamp's."""
    unit = service_identity(CertificatePurpose.TSA).certificate
    return pades_lta_validation(
        content,
        [fake.ca_certificate, *(a.certificate for a in authorities())],
        at=at,
        time_stamping_units=[unit],
    )


def _due_now(letter) -> None:
    """Make the letter's archive due today. The fake BSrE lives in real time: travelling to
    the real due date would find its certificates expired, with nothing left to fetch."""
    LetterArchive.objects.filter(request=letter).update(timestamp_valid_until=timezone.now())


def _no_number_consumed(draft) -> None:
    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP
    assert draft.letter_number == ""
    assert not draft.document
    assert not Counter.objects.filter(name__startswith=f"letter:{draft.village_id}:").exists()


@pytest.mark.parametrize("version", [1, 2])
def test_a_bsre_letter_is_extended_to_b_lta_and_bsre_s_signature_stays_as_bsre_made_it(
    bsre, settings, draft, head, tmp_path, version
):
    settings.LDM_BSRE_API_VERSION = version

    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    content = _pdf(issued)
    reader = PdfFileReader(io.BytesIO(content))
    (signature,) = reader.embedded_regular_signatures
    assert signature.field_name.startswith("TTE-BSrE-")
    # BSrE's signed revision is the start of the file, and alone is what BSrE returned:
    # signed whole, intact.
    signed_length = int(signature.byte_range[2]) + int(signature.byte_range[3])
    bsre_revision = content[:signed_length]
    assert len(bsre_revision) < len(content)
    (alone,) = PdfFileReader(io.BytesIO(bsre_revision)).embedded_signatures
    alone.compute_integrity_info()
    assert alone.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert alone.pkcs7_content == signature.pkcs7_content
    # B-T: a signature timestamp from the fake's own TSA, under the fake's CA.
    (token,) = [
        a["values"][0]
        for a in signature.signer_info["unsigned_attrs"]
        if a["type"].native == "signature_time_stamp_token"
    ]
    units = [c.chosen for c in token["content"]["certificates"]]
    assert FAKE_TSA in [_common_name(c) for c in units]
    # The DSS: OCSP answers of the fake's CA for its signer and its TSA, the root's CRL for
    # the fake's CA, and our own unit's status.
    answers, crls = _dss(content)
    tsa_serial = next(c.serial_number for c in units if _common_name(c) == FAKE_TSA)
    answered = {a.serial_number: a.certificate_status for a in answers}
    assert answered[signature.signer_cert.serial_number] == ocsp.OCSPCertStatus.GOOD
    assert answered[tsa_serial] == ocsp.OCSPCertStatus.GOOD
    unit = service_identity(CertificatePurpose.TSA)
    assert answered[unit.certificate.serial_number] == ocsp.OCSPCertStatus.GOOD
    assert any(FAKE_ROOT in c.issuer.rfc4514_string() for c in crls)
    # Our document timestamp over all of it, and the archive record of its end.
    (archive_stamp,) = reader.embedded_timestamp_signatures
    assert archive_stamp.field_name == "StempelWaktuArsip1"
    assert archive_stamp.signer_cert.dump() == unit.certificate.public_bytes(
        serialization.Encoding.DER
    )
    archive = LetterArchive.objects.get(request=issued)
    assert archive.timestamp_valid_until == unit.issued.not_after
    assert archive.issued_size == len(content)
    # Valid for pyHanko's AdES-LTA validation offline, for pdfsig, and for the upload check.
    result = _validation(content, bsre)
    assert result.ades_subindic.status.name == "PASSED", result.failure_msg
    assert result.api_status.bottom_line
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(content)
    bsre_part, archive_part = pdfsig_report(pdf, bsre.ca_certificate, tmp_path).split(
        "Signature #2:"
    )
    assert "Signature is Valid" in bsre_part
    assert "Certificate is Trusted" in bsre_part
    assert "Total document signed" in archive_part
    assert qpdf_check(pdf).returncode == 0
    assert letter_check_upload(content).verdict == "valid"


def test_the_fake_bsre_timestamps_and_answers_for_its_certificates(bsre, draft, head):
    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    content = _pdf(issued)
    (signature,) = PdfFileReader(io.BytesIO(content)).embedded_regular_signatures
    certificate = x509.load_der_x509_certificate(signature.signer_cert.dump())
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)

    assert {str(d.access_location.value) for d in access.value} == {
        f"{bsre.url}/_fake/ocsp",
        f"{bsre.url}/_fake/ca.crt",
    }
    assert [str(n.value) for p in points.value for n in p.full_name or []] == [
        f"{bsre.url}/_fake/crl"
    ]
    assert FAKE_CA in certificate.issuer.rfc4514_string()
    verified = httpx.post(
        f"{bsre.url}/api/sign/verify",
        auth=(APP_USER, APP_PASSWORD),
        files={"signed_file": ("surat.pdf", content, "application/pdf")},
        timeout=30,
    ).json()
    details = next(d for d in verified["details"] if d["signature_field"] == signature.field_name)
    assert details["signature_document"]["signed_using_tsa"] is True
    assert details["info_tsa"]["name"] == FAKE_TSA


@pytest.mark.parametrize("failure", ["closed_port", "revocation_down"])
def test_when_bsre_s_revocation_service_does_not_answer_the_letter_stays_a_draft(
    bsre, settings, fake_without_revocation, draft, head, failure
):
    if failure == "closed_port":
        bsre_configure(settings, fake_without_revocation, head)
        fake = fake_without_revocation
    else:
        bsre.mode("revocation_down")
        fake = bsre

    with pytest.raises(DomainError) as raised:
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    assert raised.value.code == "signer_unavailable"
    assert "BSrE" in raised.value.message
    assert "OCSP" in raised.value.message  # the clear message, not the generic one
    assert fake.stats()["documents_signed"] == 1  # BSrE signed; nothing was issued
    _no_number_consumed(draft)
    bsre_configure(settings, bsre, head)
    assert letter_sign(request=draft, head=head, passphrase=PASSPHRASE).letter_sequence == 1


def test_a_bsre_signature_that_does_not_chain_to_the_trust_roots_is_refused(
    bsre, settings, draft, head, local_ca, tmp_path
):
    elsewhere = tmp_path / "another-root.pem"
    elsewhere.write_bytes(local_ca.certificate.public_bytes(serialization.Encoding.PEM))
    settings.LDM_TRUST_ROOTS = [str(elsewhere)]

    with pytest.raises(DomainError) as raised:
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)

    assert raised.value.code == "signer_unavailable"
    assert "BSrE" in raised.value.message
    assert "administrator" in raised.value.message
    _no_number_consumed(draft)


def test_a_certificate_revoked_at_bsre_signs_nothing(bsre, draft, head):
    bsre.revoke(NIK)

    with pytest.raises(SignerNotReady, match=r"dicabut|revoked"):
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    _no_number_consumed(draft)


def test_the_archive_renewal_fetches_bsre_s_answers_anew(bsre, draft, head):
    """The head's BSrE certificate is revoked after signing: the renewal embeds what the
    fake's CA says now (revoked, after the signature), and the letter stays valid."""
    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    issued_pdf = _pdf(issued)
    revoked = bsre.revoke(NIK)
    _due_now(issued)

    report = letters_archive_renew()

    assert (report.renewed, report.failed) == (1, 0)
    content = _pdf(issued)
    assert content.startswith(issued_pdf)
    reader = PdfFileReader(io.BytesIO(content))
    assert [t.field_name for t in reader.embedded_timestamp_signatures] == [
        "StempelWaktuArsip1",
        "StempelWaktuArsip2",
    ]
    (signature,) = reader.embedded_regular_signatures
    answers, _crls = _dss(content)
    statuses = [
        (a.certificate_status, a.revocation_time_utc)
        for a in answers
        if a.serial_number == signature.signer_cert.serial_number
    ]
    assert (ocsp.OCSPCertStatus.GOOD, None) in statuses
    assert (
        ocsp.OCSPCertStatus.REVOKED,
        dt.datetime.fromisoformat(revoked["revoked_at"]),
    ) in statuses
    result = _validation(content, bsre)
    assert result.ades_subindic.status.name == "PASSED", result.failure_msg


def test_the_renewal_waits_for_bsre_s_revocation_service_while_it_can(bsre, draft, head, caplog):
    """The fake's TSA certificate is still valid six years on, so its status is fetched;
    while the fake does not answer, the letter stays due (and unchanged) until its
    timestamp is about to end, and is renewed then without it."""
    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    before = _pdf(issued)
    ends = LetterArchive.objects.get(request=issued).timestamp_valid_until
    bsre.mode("revocation_down")
    caplog.set_level(logging.WARNING, logger="layanan.documents.archive")

    with time_machine.travel(ends - dt.timedelta(days=100), tick=False):
        waiting = letters_archive_renew()
    assert (waiting.renewed, waiting.failed) == (0, 1)
    assert _pdf(issued) == before
    with time_machine.travel(ends - dt.timedelta(days=10), tick=False):
        last_chance = letters_archive_renew()

    assert (last_chance.renewed, last_chance.failed) == (1, 0)
    assert "without fresh revocation information" in caplog.text
    assert FAKE_TSA in caplog.text
    assert _pdf(issued).startswith(before)


@pytest.mark.slow
def test_ten_years_on_a_bsre_letter_revoked_after_signing_still_validates(bsre, draft, head):
    """Signed through BSrE; the head's BSrE certificate revoked at BSrE right after, and
    that in the letter at once (a renewal); then the scheduler's daily work a year at a
    time: our time-stamping unit rotated, the archive timestamps renewed before their end.
    Ten years on, every certificate expired, offline: valid."""
    issued = letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
    bsre.revoke(NIK)
    _due_now(issued)
    assert letters_archive_renew().renewed == 1
    start = dt.datetime.now(dt.UTC)
    for year in range(1, 11):
        with time_machine.travel(start + year * YEAR, tick=False):
            pki_maintain()
            assert letters_archive_renew().failed == 0
    later = start + 10 * YEAR + dt.timedelta(days=30)

    with time_machine.travel(later, tick=False):
        result = _validation(_pdf(issued), bsre, at=later)

    assert LetterArchive.objects.get(request=issued).renewals == 3
    assert result.ades_subindic.status.name == "PASSED", result.failure_msg
    assert result.api_status.bottom_line
