"""Archive timestamps: the chain of evidence of every issued letter never breaks.

A letter's newest document timestamp holds as long as its TSA certificate does. Before that
ends (``RENEW_BEFORE``), the archive task appends to the stored letter one incremental
update: a DSS with what proves the earlier signatures and timestamps valid today (the CRLs
and OCSP answers of now, which still say the head's certificate was good when it signed, or
when it was revoked after) and a fresh document timestamp over all of it (ETSI EN 319 142,
B-LTA). Nothing the head signed changes: the issued revision's SHA-256 and size stay on
record, and the upload check accepts the original with such updates only.

Each letter is renewed in its own transaction: the new file is written first, the record
then points at it, the old file goes after the commit. The task can stop anywhere and be run
again: it renews what is still due, and a letter another worker holds is skipped.

Certificates of ours get their CRL and OCSP answer made in process. Those of others (BSrE's
signing, TSA and CA certificates in a letter BSrE signed) get theirs fetched from the OCSP
responders and CRLs they name (``signing.bsre.revocation_fetch``), while they are still
valid. If those do not answer, the letter stays due and is tried again the next run; only
when its timestamp is about to end (``FOREIGN_GRACE``) is it renewed without them, since a
broken chain of timestamps could never be mended.
"""

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError

from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.documents.models import CertificatePurpose, IssuedCertificate, LetterArchive
from layanan.documents.pki.authority import (
    Authority,
    authorities,
    certificate_load,
    fingerprint,
    service_identity,
)
from layanan.documents.pki.revocation import crl_current, ocsp_answer_for
from layanan.documents.pki.tsa import LocalTimeStamper, timestamper
from layanan.documents.signing import pades
from layanan.documents.signing.bsre import certificate_parse, revocation_fetch, self_signed

logger = logging.getLogger(__name__)

# A letter's archive timestamp is renewed when less than this is left of its TSA certificate.
RENEW_BEFORE = dt.timedelta(days=365)
# Within this of its end, a letter is renewed even without fresh revocation information for
# the certificates that are not ours (their CA's OCSP responder and CRL did not answer).
FOREIGN_GRACE = dt.timedelta(days=30)
BATCH = 200


def archives_due(now: dt.datetime | None = None) -> QuerySet[LetterArchive]:
    """Letters whose newest archive timestamp ends within RENEW_BEFORE."""
    moment = now or timezone.now()
    return LetterArchive.objects.filter(timestamp_valid_until__lte=moment + RENEW_BEFORE)


def letter_certificates(pdf: bytes) -> list[x509.Certificate]:
    """Every certificate the letter holds: of its signatures, their signature timestamps,
    its document timestamps, and its DSS."""
    reader = PdfFileReader(io.BytesIO(pdf))
    found: dict[bytes, asn1_x509.Certificate] = {}
    for signature in reader.embedded_signatures:
        for certificate in pades.signature_certificates(signature):
            found.setdefault(certificate.sha256, certificate)
    try:
        for certificate in DocumentSecurityStore.read_dss(reader).load_certs():
            found.setdefault(certificate.sha256, certificate)
    except NoDSSFoundError:
        pass
    return [certificate_parse(c) for c in found.values()]


def _evidence_now(certificates: list[x509.Certificate]) -> pades.Evidence:
    """Today's proof for every certificate of ours among the letter's: our CRLs, and an
    OCSP answer for each of our certificates but the OCSP responders'."""
    fingerprints = {fingerprint(c) for c in certificates}
    found = []
    answers = []
    for issued in IssuedCertificate.objects.filter(fingerprint__in=fingerprints).exclude(
        purpose=CertificatePurpose.OCSP
    ):
        found.append(certificate_load(issued.certificate_pem))
        answers.append(ocsp_answer_for(issued))
    generations = [a for a in authorities() if _issued_any(a, fingerprints)]
    for authority in generations:
        found.append(authority.certificate)
        found.append(service_identity(CertificatePurpose.OCSP, authority).certificate)
    crls = [crl_current(authority) for authority in generations]
    return pades.Evidence(found, answers, crls)


def _foreign_evidence(
    certificates: list[x509.Certificate], *, archive: LetterArchive
) -> pades.Evidence:
    """Today's revocation information for the letter's certificates that are not ours and
    still valid, fetched from their own CAs. Raises while the letter can wait for it."""
    ours = set(
        IssuedCertificate.objects.filter(
            fingerprint__in=[fingerprint(c) for c in certificates]
        ).values_list("fingerprint", flat=True)
    ) | {fingerprint(a.certificate) for a in authorities()}
    now = timezone.now()
    foreign = [
        c
        for c in certificates
        if fingerprint(c) not in ours and not self_signed(c) and c.not_valid_after_utc > now
    ]
    if not foreign:
        return pades.Evidence()
    revocation = revocation_fetch(foreign, issuers=certificates)
    if revocation.missing:
        names = ", ".join(c.subject.rfc4514_string() for c in revocation.missing)
        if archive.timestamp_valid_until - now > FOREIGN_GRACE:
            raise RuntimeError(
                f"letter {archive.request_id}: no revocation information fetched for {names}"
            )
        logger.warning(
            "letter %s: renewed without fresh revocation information for %s",
            archive.request_id,
            names,
        )
    return revocation.evidence


def _issued_any(authority: Authority, fingerprints: set[str]) -> bool:
    return IssuedCertificate.objects.filter(
        authority=authority.record, fingerprint__in=fingerprints
    ).exists()


@dataclass
class RenewalReport:
    renewed: int = 0
    failed: int = 0


def letter_archive_renew(archive_id: int) -> bool:
    """Append a DSS and an archive timestamp to one letter, if it is still due; True when
    renewed now. Idempotent: a letter renewed meanwhile is left as it is."""
    stored_name = None
    with transaction.atomic():
        archive = (
            archives_due()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("request")
            .filter(pk=archive_id)
            .first()
        )
        if archive is None:
            return False
        request = archive.request
        with request.document.open("rb") as handle:
            current = handle.read()
        if hashlib.sha256(current).hexdigest() != archive.current_sha256:
            raise RuntimeError(f"letter {request.pk}: the stored PDF is not the recorded one")
        tsa = timestamper()
        certificates = letter_certificates(current)
        evidence = _evidence_now(certificates) + _foreign_evidence(certificates, archive=archive)
        if isinstance(tsa, LocalTimeStamper):
            # The unit that stamps now, with its status: a verifier offline finds in the
            # letter the newest status of every certificate, the newest unit's included.
            unit = service_identity(CertificatePurpose.TSA)
            evidence = evidence + pades.Evidence([unit.certificate], [ocsp_answer_for(unit.issued)])
        output = pades.long_term_extend(
            io.BytesIO(current),
            evidence=evidence,
            timestamper=tsa,
            field_name=f"{pades.TIMESTAMP_FIELD_PREFIX}{archive.renewals + 2}",
        )
        extended = output.getvalue()
        old_name = request.document.name or ""
        request.document.save(
            f"{request.registration_number}.pdf", ContentFile(extended), save=False
        )
        stored_name = request.document.name
        request.save(update_fields=["document", "updated_at"])
        archive.current_sha256 = hashlib.sha256(extended).hexdigest()
        archive.timestamp_valid_until = pades.newest_timestamp_valid_until(extended)
        archive.renewals += 1
        archive.renewed_at = timezone.now()
        archive.save(
            update_fields=["current_sha256", "timestamp_valid_until", "renewals", "renewed_at"]
        )
        storage = request.document.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("letter %s: archive timestamp %s added", request.pk, archive.renewals + 1)
    return stored_name is not None


def letters_archive_renew(*, limit: int | None = None) -> RenewalReport:
    """Renew every due letter (the scheduler runs it daily); one audit entry per run."""
    report = RenewalReport()
    due = list(archives_due().order_by("timestamp_valid_until", "id").values_list("id", flat=True))
    for archive_id in due[:limit] if limit else due:
        try:
            if letter_archive_renew(archive_id):
                report.renewed += 1
        except Exception:  # one letter's problem never stops the others; it stays due
            logger.exception("letter archive %s not renewed", archive_id)
            report.failed += 1
    if report.renewed or report.failed:
        audit_record(
            actor=None,
            action=AuditAction.LETTER_ARCHIVE_RENEWED,
            data={"renewed": report.renewed, "failed": report.failed},
        )
    return report
