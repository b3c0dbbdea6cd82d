"""Published revocation: revoking a certificate, the CRL of each CA generation, and the
OCSP responder (RFC 6960).

A revocation is recorded on the certificate's row and is on the OCSP answer at once; the
CRL of its generation is reissued after the revoking transaction commits (and whenever the
newest one is old or nearly due). Signing embeds an OCSP answer for the head's certificate
and the current CRL, so that a verifier needs neither later.
"""

import datetime as dt
import logging

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.db import transaction
from django.utils import timezone

from layanan.documents.models import (
    CertificatePurpose,
    IssuedCertificate,
    RevocationList,
    RevocationReason,
)
from layanan.documents.pki.authority import (
    Authority,
    ServiceIdentity,
    authorities,
    certificate_load,
    service_identity,
)

logger = logging.getLogger(__name__)

# A CRL is valid a week; it is reissued when a day of that is left, or at any revocation.
CRL_VALIDITY = dt.timedelta(days=7)
CRL_RENEW_BEFORE = dt.timedelta(days=1)
# OCSP answers say they may be relied on for an hour (a revocation shows at the next ask).
OCSP_VALIDITY = dt.timedelta(hours=1)
BACKDATE = dt.timedelta(minutes=1)

REASON_FLAGS = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
}


def certificate_revoke(
    *, issued: IssuedCertificate, reason: RevocationReason, at: dt.datetime | None = None
) -> None:
    """Put a certificate on its generation's CRL and OCSP answers (idempotent: the first
    revocation's time and reason stay). Runs in the caller's transaction."""
    if issued.revoked_at is not None:
        return
    issued.revoked_at = at or timezone.now()
    issued.revocation_reason = reason
    issued.save(update_fields=["revoked_at", "revocation_reason"])
    authority_id = issued.authority_id
    transaction.on_commit(lambda: _crl_reissue_quietly(authority_id))


def _crl_reissue_quietly(authority_id: int) -> None:
    """After a revocation: the CRL says so at once. A failure here (the PKI passphrase
    missing on this process) leaves the next request for the CRL to reissue it."""
    for authority in authorities():
        if authority.record.pk == authority_id:
            try:
                crl_issue(authority)
            except Exception:  # the revocation is stored; OCSP already answers "revoked"
                logger.exception("CRL of CA generation %s not reissued", authority.generation)


def crl_issue(authority: Authority) -> RevocationList:
    """A new CRL of ``authority``: every certificate it revoked, signed with its key."""
    with transaction.atomic():
        last = (
            RevocationList.objects.select_for_update()
            .filter(authority=authority.record)
            .order_by("-number")
            .first()
        )
        number = (last.number + 1) if last else 1
        now = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(authority.certificate.subject)
            .last_update(now - BACKDATE)
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    authority.certificate.public_key()  # type: ignore[arg-type]  # an EC key
                ),
                critical=False,
            )
        )
        revoked = IssuedCertificate.objects.filter(
            authority=authority.record, revoked_at__isnull=False
        ).only("serial_number", "revoked_at", "revocation_reason")
        for issued in revoked.iterator():
            if issued.revoked_at is None:  # excluded by the filter; for the type checker
                continue
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(int(issued.serial_number, 16))
                .revocation_date(issued.revoked_at)
                .add_extension(
                    x509.CRLReason(REASON_FLAGS[RevocationReason(issued.revocation_reason)]),
                    critical=False,
                )
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        crl = builder.sign(authority.key(), hashes.SHA384())
        return RevocationList.objects.create(
            authority=authority.record,
            number=number,
            this_update=crl.last_update_utc,
            next_update=now + CRL_VALIDITY,
            der=crl.public_bytes(serialization.Encoding.DER),
        )


def crl_current(authority: Authority) -> bytes:
    """The newest CRL of ``authority`` (DER), reissued when it is nearly due or older than
    the newest revocation."""
    newest = RevocationList.objects.filter(authority=authority.record).order_by("-number").first()
    last_revocation = (
        IssuedCertificate.objects.filter(authority=authority.record, revoked_at__isnull=False)
        .order_by("-revoked_at")
        .values_list("revoked_at", flat=True)
        .first()
    )
    if (
        newest is None
        or newest.next_update - CRL_RENEW_BEFORE <= timezone.now()
        or (last_revocation is not None and last_revocation > newest.this_update + BACKDATE)
    ):
        newest = crl_issue(authority)
    return bytes(newest.der)


# --- OCSP ----------------------------------------------------------------------------------------


def _record_for(authority: Authority, serial_number: int) -> IssuedCertificate | None:
    return IssuedCertificate.objects.filter(
        authority=authority.record, serial_number=f"{serial_number:x}"
    ).first()


def _single_response(
    builder: ocsp.OCSPResponseBuilder,
    *,
    authority: Authority,
    issued: IssuedCertificate,
    algorithm: hashes.HashAlgorithm,
    now: dt.datetime,
) -> ocsp.OCSPResponseBuilder:
    certificate = certificate_load(issued.certificate_pem)
    revoked = issued.revoked_at is not None and issued.revoked_at <= now
    return builder.add_response(
        cert=certificate,
        issuer=authority.certificate,
        algorithm=algorithm,
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
        this_update=now - BACKDATE,
        next_update=now + OCSP_VALIDITY,
        revocation_time=issued.revoked_at if revoked else None,
        revocation_reason=(
            REASON_FLAGS[RevocationReason(issued.revocation_reason)] if revoked else None
        ),
    )


def _signed(
    builder: ocsp.OCSPResponseBuilder, responder: ServiceIdentity, nonce: bytes | None = None
) -> bytes:
    builder = builder.responder_id(
        ocsp.OCSPResponderEncoding.HASH, responder.certificate
    ).certificates([responder.certificate])
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    response = builder.sign(responder.key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


def _authority_for_request(request: ocsp.OCSPRequest) -> Authority | None:
    """The generation the request asks about, by its issuer name and key hashes."""
    algorithm = request.hash_algorithm
    for authority in authorities():
        name_hash = hashes.Hash(algorithm)
        name_hash.update(authority.certificate.subject.public_bytes())
        key_bits = authority.certificate.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        key_hash = hashes.Hash(algorithm)
        key_hash.update(key_bits)
        if (
            name_hash.finalize() == request.issuer_name_hash
            and key_hash.finalize() == request.issuer_key_hash
        ):
            return authority
    return None


def ocsp_respond(request_der: bytes) -> bytes:
    """The OCSP answer (DER) to a request (DER): good or revoked for a certificate we
    issued, "unauthorized" for one we know nothing of, "malformed" for a broken request."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    authority = _authority_for_request(request)
    issued = _record_for(authority, request.serial_number) if authority else None
    if authority is None or issued is None:
        # RFC 6960 §2.3: "unauthorized" when the responder cannot answer for the certificate.
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        nonce = None
    builder = _single_response(
        ocsp.OCSPResponseBuilder(),
        authority=authority,
        issued=issued,
        algorithm=request.hash_algorithm,
        now=timezone.now(),
    )
    return _signed(builder, service_identity(CertificatePurpose.OCSP, authority), nonce)


def ocsp_answer(
    issued: IssuedCertificate, *, authority: Authority, responder: ServiceIdentity
) -> bytes:
    """An OCSP answer (DER) about one of our certificates by ``authority``'s ``responder``,
    made in process (for embedding in a letter's DSS)."""
    builder = _single_response(
        ocsp.OCSPResponseBuilder(),
        authority=authority,
        issued=issued,
        algorithm=hashes.SHA1(),  # noqa: S303 - CertID hashing as most OCSP clients expect it
        now=timezone.now(),
    )
    return _signed(builder, responder)


def ocsp_answer_for(issued: IssuedCertificate) -> bytes:
    """``ocsp_answer`` by the current responder of the generation that issued ``issued``."""
    authority = next(a for a in authorities() if a.record.pk == issued.authority_id)
    return ocsp_answer(
        issued, authority=authority, responder=service_identity(CertificatePurpose.OCSP, authority)
    )
