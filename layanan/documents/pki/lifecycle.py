"""Setting up, maintaining and rotating the local PKI.

- ``pki_initialise``: the first CA generation, its services and CRL (idempotent); takes
  over a CA that an older installation kept as files.
- ``pki_maintain`` (daily, by the scheduler): renews the OCSP responder's certificate,
  reissues CRLs before they are due, and rotates the time-stamping unit well before its
  certificate ends, so that archive timestamps always have a long-lived unit to use.
- ``pki_rotate``: a new CA generation, or a new time-stamping unit, on demand. Nothing
  issued before breaks: an old generation keeps its CRL and OCSP answers, and stays a trust
  root of the letters signed under it.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.utils import timezone

from layanan.accounts.models import User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.documents.models import (
    CertificateAuthority,
    CertificatePurpose,
    IssuedCertificate,
    SigningCredential,
)
from layanan.documents.pki.authority import (
    Authority,
    ServiceIdentity,
    authorities,
    authority_create,
    authority_current,
    fingerprint,
    pem,
    service_identity,
    service_identity_create,
)
from layanan.documents.pki.keys import key_seal
from layanan.documents.pki.revocation import crl_current, crl_issue

logger = logging.getLogger(__name__)

# The time-stamping unit is replaced when less than this is left of its certificate: an
# archive timestamp made with it must outlive the next renewal round by far.
TSA_ROTATE_BEFORE = dt.timedelta(days=2 * 365)


@dataclass
class PkiReport:
    """What a PKI command did, for its output."""

    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def describe(self) -> str:
        return "\n".join(self.lines)


def _legacy_import(directory: Path) -> Authority | None:
    """Take over a CA kept as files (``ca-cert.pem``, ``ca-key.pem``) by an installation from
    before the PKI: its key is encrypted, the plain file removed, its heads' certificates
    recorded so that the CRL and OCSP answer for them."""
    cert_path, key_path = directory / "ca-cert.pem", directory / "ca-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        return None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the old CA key is not an elliptic-curve key")
    name_attributes = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    record = CertificateAuthority.objects.create(
        generation=1,
        name=str(name_attributes[0].value) if name_attributes else "CA Lokal",
        certificate_pem=pem(certificate),
        encrypted_key_pem=key_seal(key),
    )
    authority = Authority(record)
    for credential in SigningCredential.objects.filter(issued__isnull=True):
        head_certificate = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
        if head_certificate.issuer != certificate.subject:
            continue
        credential.issued = IssuedCertificate.objects.create(
            authority=record,
            serial_number=f"{head_certificate.serial_number:x}",
            purpose=CertificatePurpose.SIGNER,
            subject=head_certificate.subject.rfc4514_string()[:300],
            certificate_pem=credential.certificate_pem,
            fingerprint=fingerprint(head_certificate),
            not_before=head_certificate.not_valid_before_utc,
            not_after=head_certificate.not_valid_after_utc,
            revoked_at=credential.revoked_at,
            revocation_reason="superseded" if credential.revoked_at else "",
        )
        credential.save(update_fields=["issued"])
    return authority


def pki_initialise(*, regency_name: str, legacy_directory: Path | None = None) -> PkiReport:
    """The first CA generation with its services and CRL; nothing if it exists."""
    report = PkiReport()
    with transaction.atomic():
        if CertificateAuthority.objects.exists():
            authority = authority_current()
            report.say(
                f"Local CA exists: {authority.record.name} (generation {authority.generation})"
            )
            return report
        legacy = _legacy_import(legacy_directory) if legacy_directory else None
        if legacy is not None:
            authority = legacy
            report.say(f"Local CA taken over from {legacy_directory}: {authority.record.name}")
        else:
            authority = authority_create(regency_name=regency_name)
            report.say(f"Local CA created: {authority.record.name} (generation 1)")
        service_identity(CertificatePurpose.TSA)
        service_identity(CertificatePurpose.OCSP, authority)
        crl_issue(authority)
    if legacy is not None and legacy_directory is not None:
        plain_key = legacy_directory / "ca-key.pem"
        if plain_key.exists():
            plain_key.unlink()  # the key now lives encrypted; no plain copy stays on disk
            report.say(f"Removed the unencrypted {plain_key}")
    report.say("Time-stamping unit, OCSP responder and CRL are ready.")
    return report


def pki_maintain() -> PkiReport:
    """Keep every service of the PKI within its validity (the scheduler runs it daily)."""
    report = PkiReport()
    unit = service_identity(CertificatePurpose.TSA)
    if unit.issued.not_after - TSA_ROTATE_BEFORE <= timezone.now():
        unit = tsa_rotate(actor=None, why="scheduled")
        report.say(
            f"Time-stamping unit rotated; its certificate ends {unit.issued.not_after:%Y-%m-%d}"
        )
    for authority in authorities():
        if authority.record.retired_at is None or _still_answers(authority):
            service_identity(CertificatePurpose.OCSP, authority)
            crl_current(authority)
    report.say("CRLs and OCSP responders are current.")
    return report


def _still_answers(authority: Authority) -> bool:
    """A retired generation answers as long as a certificate it issued is within its term."""
    return IssuedCertificate.objects.filter(
        authority=authority.record, not_after__gt=timezone.now()
    ).exists()


def tsa_rotate(*, actor: User | None, why: str) -> ServiceIdentity:
    """A new time-stamping unit of the current generation; the old one signs nothing more."""
    unit = service_identity_create(CertificatePurpose.TSA, authority_current())
    audit_record(
        actor=actor,
        action=AuditAction.PKI_TSA_ROTATED,
        target=unit.issued,
        data={"serial": unit.issued.serial_number, "why": why},
    )
    return unit


@transaction.atomic
def ca_rotate(*, actor: User | None, regency_name: str) -> Authority:
    """A new CA generation with a new time-stamping unit, responder and CRL. Heads' current
    certificates stay valid under the old generation until they renew them."""
    previous = authority_current()
    authority = authority_create(regency_name=regency_name)
    service_identity(CertificatePurpose.TSA)
    service_identity(CertificatePurpose.OCSP, authority)
    crl_issue(authority)
    audit_record(
        actor=actor,
        action=AuditAction.PKI_CA_ROTATED,
        data={"from": previous.generation, "to": authority.generation},
    )
    return authority
