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
