"""The local root CA and the certificates it issues.

A generation of the CA is a self-signed root (20 years, EC P-384). It issues three kinds of
certificates, each with its CRL distribution point, its OCSP responder and its issuer's
certificate under ``LDM_PUBLIC_URL`` (``/pki/crl/<n>``, ``/pki/ocsp``, ``/pki/ca/<n>.crt``
of its generation ``n``; ``/pki/crl`` and ``/pki/ca.crt`` are the current generation's):

- a head's signing certificate: key usage digitalSignature + nonRepudiation, extended key
  usage documentSigning (1.3.6.1.5.5.7.3.36), 2 years;
- the time-stamping unit's: timeStamping (critical), 6 years;
- the OCSP responder's: OCSPSigning with id-pkix-ocsp-nocheck, 1 year, renewed on use.

Every issued certificate is recorded (``IssuedCertificate``): the CRL and the OCSP
responder answer from those records.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from layanan.documents.models import (
    CertificateAuthority,
    CertificatePurpose,
    IssuedCertificate,
    ServiceKey,
)
from layanan.documents.pki.keys import key_seal, key_unseal

CA_YEARS = 20
SIGNER_DAYS = 2 * 365
TSA_DAYS = 6 * 365
OCSP_DAYS = 365
# A responder certificate this close to its end is replaced before it answers again.
OCSP_RENEW_BEFORE = dt.timedelta(days=30)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# Certificates are valid from a little before their issue: clocks of verifiers differ.
BACKDATE = dt.timedelta(minutes=5)


class PkiNotReady(RuntimeError):
    """The local CA does not exist yet (``manage.py pki_init`` creates it)."""


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def certificate_load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class Authority:
    """A generation of the CA, with its certificate parsed; the key opens only when needed."""

    record: CertificateAuthority

    @cached_property
    def certificate(self) -> x509.Certificate:
        return certificate_load(self.record.certificate_pem)

    @property
    def generation(self) -> int:
        return self.record.generation

    def key(self) -> ec.EllipticCurvePrivateKey:
        return key_unseal(self.record.encrypted_key_pem)


def _public_url(name: str, **kwargs: object) -> str:
    return f"{settings.LDM_PUBLIC_URL}{reverse(name, kwargs=kwargs or None)}"


def pki_addresses(generation: int) -> dict[str, str]:
    """Where a generation's certificates say their CRL, OCSP and issuer are."""
    return {
        "crl": _public_url("documents:pki-crl-generation", generation=generation),
        "ocsp": _public_url("documents:pki-ocsp"),
        "issuer": _public_url("documents:pki-ca-generation", generation=generation),
    }


def authority_current() -> Authority:
    """The generation that issues certificates now."""
    record = CertificateAuthority.objects.filter(retired_at__isnull=True).first()
    if record is None:
        raise PkiNotReady("The local CA does not exist yet: run `manage.py pki_init`.")
    return Authority(record)


def authorities() -> list[Authority]:
    """Every generation, newest first: the trust roots of the letters we issued."""
    return [Authority(record) for record in CertificateAuthority.objects.all()]


def authority_of(certificate: x509.Certificate) -> Authority | None:
    """The generation that issued ``certificate``, by its issuer name and signature."""
    for authority in authorities():
        if certificate.issuer != authority.certificate.subject:
            continue
        try:
            certificate.verify_directly_issued_by(authority.certificate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return authority
    return None


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


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


def authority_name(regency_name: str) -> str:
    return f"CA Lokal Layanan Desa Mandiri {regency_name}"


@transaction.atomic
def authority_create(*, regency_name: str) -> Authority:
    """A new generation of the root CA; the current one, if any, retires (it keeps
    answering for what it issued)."""
    previous = CertificateAuthority.objects.select_for_update().filter(retired_at__isnull=True)
    last = CertificateAuthority.objects.order_by("-generation").first()
    generation = (last.generation + 1) if last else 1
    key = ec.generate_private_key(ec.SECP384R1())
    name = authority_name(regency_name)
    if generation > 1:
        name = f"{name} G{generation}"
    subject = _name(name, f"Pemerintah {regency_name}")
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
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
    previous.update(retired_at=timezone.now())
    ServiceKey.objects.filter(
        retired_at__isnull=True, certificate__purpose=CertificatePurpose.TSA
    ).update(retired_at=timezone.now())
    record = CertificateAuthority.objects.create(
        generation=generation,
        name=name,
        certificate_pem=pem(certificate),
        encrypted_key_pem=key_seal(key),
    )
    return Authority(record)


def _key_usage(*, digital_signature: bool, non_repudiation: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


# purpose -> (key usage, extended key usages, EKU critical, days)
_PROFILES: dict[str, tuple[x509.KeyUsage, list[x509.ObjectIdentifier], bool, int]] = {
    CertificatePurpose.SIGNER: (
        _key_usage(digital_signature=True, non_repudiation=True),
        [DOCUMENT_SIGNING],
        False,
        SIGNER_DAYS,
    ),
    CertificatePurpose.TSA: (
        _key_usage(digital_signature=True, non_repudiation=False),
        [ExtendedKeyUsageOID.TIME_STAMPING],
        True,
        TSA_DAYS,
    ),
    CertificatePurpose.OCSP: (
        _key_usage(digital_signature=True, non_repudiation=False),
        [ExtendedKeyUsageOID.OCSP_SIGNING],
        False,
        OCSP_DAYS,
    ),
}


def certificate_issue(
    *,
    authority: Authority,
    purpose: CertificatePurpose,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
) -> IssuedCertificate:
    """A certificate of the given profile from ``authority``, recorded."""
    key_usage, extended, extended_critical, days = _PROFILES[purpose]
    addresses = pki_addresses(authority.generation)
    now = dt.datetime.now(dt.UTC)
    not_after = min(
        now + dt.timedelta(days=days), authority.certificate.not_valid_after_utc
    )  # never beyond the root
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(extended), critical=extended_critical)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                authority.certificate.public_key()  # type: ignore[arg-type]  # an EC key
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(addresses["crl"])],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(addresses["ocsp"]),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(addresses["issuer"]),
                    ),
                ]
            ),
            critical=False,
        )
    )
    if purpose == CertificatePurpose.OCSP:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    certificate = builder.sign(authority.key(), hashes.SHA384())
    return IssuedCertificate.objects.create(
        authority=authority.record,
        serial_number=f"{certificate.serial_number:x}",
        purpose=purpose,
        subject=certificate.subject.rfc4514_string()[:300],
        certificate_pem=pem(certificate),
        fingerprint=fingerprint(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


# --- The PKI's own services -----------------------------------------------------------------


@dataclass(frozen=True)
class ServiceIdentity:
    """A service's certificate (parsed) and key, ready to sign."""

    issued: IssuedCertificate
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    authority: Authority


def _service_subject(purpose: CertificatePurpose, authority: Authority) -> x509.Name:
    regency = authority.record.name.removeprefix("CA Lokal Layanan Desa Mandiri ")
    label = {
        CertificatePurpose.TSA: "Unit Stempel Waktu",
        CertificatePurpose.OCSP: "Responder OCSP",
    }[purpose]
    organisation = authority.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[
        0
    ].value
    return _name(f"{label} Layanan Desa Mandiri {regency}", str(organisation))


@transaction.atomic
def service_identity_create(purpose: CertificatePurpose, authority: Authority) -> ServiceIdentity:
    """A new key and certificate for a service; earlier ones of the same purpose and
    generation retire (a retired TSA key signs nothing more; its certificate stays valid
    for the timestamps it made)."""
    ServiceKey.objects.filter(
        retired_at__isnull=True,
        certificate__purpose=purpose,
        certificate__authority=authority.record,
    ).update(retired_at=timezone.now())
    key = ec.generate_private_key(ec.SECP256R1())
    issued = certificate_issue(
        authority=authority,
        purpose=purpose,
        subject=_service_subject(purpose, authority),
        public_key=key.public_key(),
    )
    ServiceKey.objects.create(certificate=issued, encrypted_key_pem=key_seal(key))
    return ServiceIdentity(issued, certificate_load(issued.certificate_pem), key, authority)


def service_identity(
    purpose: CertificatePurpose, authority: Authority | None = None
) -> ServiceIdentity:
    """The service's current key and certificate (the TSA's of the current generation, the
    OCSP responder's of ``authority``), made or renewed when missing or near their end."""
    authority = authority or authority_current()
    service = (
        ServiceKey.objects.select_related("certificate")
        .filter(
            retired_at__isnull=True,
            certificate__purpose=purpose,
            certificate__authority=authority.record,
        )
        .first()
    )
    renew_before = OCSP_RENEW_BEFORE if purpose == CertificatePurpose.OCSP else dt.timedelta(0)
    if (
        service is None
        or service.certificate.revoked_at is not None
        or service.certificate.not_after - renew_before <= timezone.now()
    ):
        return service_identity_create(purpose, authority)
    return ServiceIdentity(
        service.certificate,
        certificate_load(service.certificate.certificate_pem),
        key_unseal(service.encrypted_key_pem),
        authority,
    )
