"""The local PKI as verifiers and their programs see it: openssl reads our CRL and OCSP
answers and accepts our timestamps; NSS (pdfsig) and pyHanko trust our letters."""

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.urls import reverse

from conftest import require_tool
from layanan.documents.models import CertificatePurpose
from layanan.documents.pki.authority import service_identity

pytestmark = pytest.mark.django_db


def _pem(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def test_the_published_parts_answer(client, local_ca):
    assert client.get(reverse("documents:pki")).status_code == 200
    ca = client.get(reverse("documents:pki-ca"))
    assert ca["Content-Type"] == "application/pkix-cert"
    assert x509.load_der_x509_certificate(ca.content) == local_ca.certificate
    crl = client.get(reverse("documents:pki-crl"))
    assert x509.load_der_x509_crl(crl.content).is_signature_valid(local_ca.certificate.public_key())


def test_openssl_accepts_a_timestamp_of_our_unit(client, local_ca, tmp_path):
    openssl = require_tool("openssl")
    data = tmp_path / "data.txt"
    data.write_text("Surat Keterangan Domisili 470/001/XI/2022")
    query = tmp_path / "query.tsq"
    subprocess.run(  # noqa: S603 - fixed tool, our files
        [openssl, "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query)],
        check=True,
    )
    answer = client.post(
        reverse("documents:pki-tsa"), query.read_bytes(), content_type="application/timestamp-query"
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/timestamp-reply"
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(answer.content)
    unit = service_identity(CertificatePurpose.TSA)
    verified = subprocess.run(  # noqa: S603
        [
            openssl,
            "ts",
            "-verify",
            "-in",
            str(reply),
            "-queryfile",
            str(query),
            "-CAfile",
            str(_pem(tmp_path / "ca.pem", local_ca.certificate)),
            "-untrusted",
            str(_pem(tmp_path / "tsa.pem", unit.certificate)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.stdout.strip() == "Verification: OK", verified.stderr


def _openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed tool, our files
        [require_tool("openssl"), *args], capture_output=True, text=True, check=False
    )


def _head_certificate(head) -> x509.Certificate:
    from layanan.documents.selectors import active_credential_of

    credential = active_credential_of(head)
    assert credential is not None
    return x509.load_pem_x509_certificate(credential.certificate_pem.encode())


def test_openssl_reads_our_crl_and_finds_a_revoked_certificate_on_it(
    client, signing_head, district_admin, local_ca, tmp_path
):
    from layanan.documents.models import RevocationReason
    from layanan.documents.services import signing_credential_revoke

    certificate = _head_certificate(signing_head)
    signing_credential_revoke(
        actor=district_admin, holder=signing_head, reason=RevocationReason.KEY_COMPROMISE
    )
    crl_path = tmp_path / "ca.crl"
    crl_path.write_bytes(client.get(reverse("documents:pki-crl")).content)

    verified = _openssl(
        "crl",
        "-inform",
        "DER",
        "-in",
        str(crl_path),
        "-noout",
        "-text",
        "-CAfile",
        str(_pem(tmp_path / "ca.pem", local_ca.certificate)),
    )

    assert "verify OK" in verified.stderr + verified.stdout
    assert f"Serial Number: {certificate.serial_number:X}" in verified.stdout
    assert "Key Compromise" in verified.stdout


def _ocsp_ask(client, tmp_path, certificate: x509.Certificate, local_ca) -> str:
    issuer = _pem(tmp_path / "ca.pem", local_ca.certificate)
    subject = _pem(tmp_path / "head.pem", certificate)
    request = tmp_path / "request.der"
    made = _openssl(
        "ocsp", "-issuer", str(issuer), "-cert", str(subject), "-reqout", str(request), "-no_nonce"
    )
    assert made.returncode == 0, made.stderr
    answer = client.post(
        reverse("documents:pki-ocsp"), request.read_bytes(), content_type="application/ocsp-request"
    )
    assert answer["Content-Type"] == "application/ocsp-response"
    response = tmp_path / "response.der"
    response.write_bytes(answer.content)
    read = _openssl(
        "ocsp",
        "-respin",
        str(response),
        "-issuer",
        str(issuer),
        "-cert",
        str(subject),
        "-CAfile",
        str(issuer),
    )
    assert "Response verify OK" in read.stderr + read.stdout, read.stderr
    return read.stdout


def test_openssl_ocsp_says_good_then_revoked(
    client, signing_head, district_admin, local_ca, tmp_path
):
    from layanan.documents.models import RevocationReason
    from layanan.documents.services import signing_credential_revoke

    certificate = _head_certificate(signing_head)
    assert ": good" in _ocsp_ask(client, tmp_path, certificate, local_ca)

    signing_credential_revoke(
        actor=district_admin, holder=signing_head, reason=RevocationReason.KEY_COMPROMISE
    )

    answer = _ocsp_ask(client, tmp_path, certificate, local_ca)
    assert ": revoked" in answer
    assert "Reason: keyCompromise" in answer
