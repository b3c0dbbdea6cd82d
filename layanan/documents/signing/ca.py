"""The kabupaten's local certificate authority (the embedded default's trust root).

Created once by ``setup_demo`` (or ``manage.py local_ca_init``) in settings.LDM_LOCAL_CA_DIR:
``ca-cert.pem`` (public, the trust root validators are given) and ``ca-key.pem`` (private,
mode 0600, never committed). Production with BSrE does not need it.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CA_CERT = "ca-cert.pem"
CA_KEY = "ca-key.pem"
CA_YEARS = 10
SIGNER_YEARS = 2


def signer_subject(
    *, name: str, title: str, organisation: str, locality: str, province: str
) -> x509.Name:
    """The subject of a signer's certificate: who signs, in which office, where."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province),
            x509.NameAttribute(NameOID.LOCALITY_NAME, locality),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.TITLE, title),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


@dataclass(frozen=True)
class LocalCA:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def issue(self, *, public_key, subject: x509.Name) -> x509.Certificate:
        """A document-signing certificate for a village head."""
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * SIGNER_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self.key, hashes.SHA256())
        )


def local_ca_create(*, directory: Path, regency_name: str) -> LocalCA:
    """Create the CA if it does not exist yet; return it either way."""
    if (directory / CA_CERT).exists():
        return local_ca_load(directory)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Pemerintah {regency_name}"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"CA Lokal Layanan Desa Mandiri {regency_name}"
            ),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    key_path = directory / CA_KEY
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    (directory / CA_CERT).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    local_ca_load.cache_clear()
    return LocalCA(certificate=certificate, key=key)


@cache
def local_ca_load(directory: Path | None = None) -> LocalCA:
    directory = directory or settings.LDM_LOCAL_CA_DIR
    certificate = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):  # local_ca_init makes an EC key
        raise ImproperlyConfigured(f"{directory / CA_KEY} is not an elliptic-curve key")
    return LocalCA(certificate=certificate, key=key)


def local_ca_certificate_path() -> Path:
    return settings.LDM_LOCAL_CA_DIR / CA_CERT
