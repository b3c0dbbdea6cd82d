"""The local signer: PAdES B-LTA letters with pyHanko, keys certified by the local PKI.

A head's private key is kept encrypted (AES-256-GCM under a key derived with scrypt from
the signing passphrase). Unlocking costs one scrypt run, so a session keeps the unlocked
signer in this process's memory: the next signing with the same passphrase skips the key
derivation and the key parsing. The cache key is an HMAC of the passphrase under a random
per-process secret, so neither the passphrase nor its hash is kept anywhere.

A session also gathers once what the letters' DSS carries (``pades.Evidence``): the chain,
an OCSP answer for the head's certificate and the current CRL. With the local TSA all of it
is made in process; with an external TSA (``LDM_TSA_URL``) its chain is added as the TSA
sends it.
"""

import hashlib
import hmac
import logging
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pyhanko.sign import signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from layanan.accounts.models import User
from layanan.documents.models import (
    CertificatePurpose,
    IssuedCertificate,
    RevocationReason,
    SigningCredential,
)
from layanan.documents.pki.authority import (
    Authority,
    PkiNotReady,
    ServiceIdentity,
    authority_current,
    certificate_issue,
    certificate_load,
    service_identity,
)
from layanan.documents.pki.revocation import certificate_revoke, crl_current, ocsp_answer
from layanan.documents.pki.tsa import LocalTimeStamper, TimestampUnavailable, timestamper
from layanan.documents.selectors import active_credential_of
from layanan.documents.signing import pades
from layanan.documents.signing.base import (
    SignatureRequest,
    SignedDocument,
    SignerNotReady,
    SignerUnavailable,
    WrongPassphrase,
)

logger = logging.getLogger(__name__)

SCRYPT_N = 2**15
_PROCESS_SECRET = secrets.token_bytes(32)
_CACHE_SIZE = 64


def _derive(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode())


def _key_encrypt(private_key, passphrase: str) -> tuple[bytes, bytes]:
    """(salt, nonce + ciphertext) of the PKCS#8 key under the passphrase."""
    salt = os.urandom(16)
    nonce = os.urandom(12)
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return salt, nonce + AESGCM(_derive(passphrase, salt, SCRYPT_N)).encrypt(nonce, der, None)


def key_decrypt(credential: SigningCredential, passphrase: str) -> bytes:
    """The PKCS#8 DER of the credential's key; WrongPassphrase if it does not open."""
    blob = bytes(credential.encrypted_key)
    key = _derive(passphrase, bytes(credential.kdf_salt), credential.kdf_n)
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], None)
    except InvalidTag:
        raise WrongPassphrase from None


class _UnlockedCache:
    """Unlocked signers by credential, bounded, shared by the threads of a process."""

    def __init__(self):
        self._items: OrderedDict[int, tuple[bytes, signers.SimpleSigner]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, credential_id: int, tag: bytes):
        with self._lock:
            item = self._items.get(credential_id)
            if item and hmac.compare_digest(item[0], tag):
                self._items.move_to_end(credential_id)
                return item[1]
        return None

    def put(self, credential_id: int, tag: bytes, signer) -> None:
        with self._lock:
            self._items[credential_id] = (tag, signer)
            self._items.move_to_end(credential_id)
            while len(self._items) > _CACHE_SIZE:
                self._items.popitem(last=False)

    def forget(self, credential_id: int) -> None:
        with self._lock:
            self._items.pop(credential_id, None)


_unlocked = _UnlockedCache()


def credential_new(*, user: User, subject: x509.Name, passphrase: str) -> SigningCredential:
    """A new key pair and a document-signing certificate from the local CA for ``subject``,
    the key encrypted under ``passphrase``: an unsaved credential of ``user`` (its
    certificate is recorded, for the CRL and OCSP)."""
    key = ec.generate_private_key(ec.SECP256R1())
    issued = certificate_issue(
        authority=authority_current(),
        purpose=CertificatePurpose.SIGNER,
        subject=subject,
        public_key=key.public_key(),
    )
    salt, encrypted = _key_encrypt(key, passphrase)
    return SigningCredential(
        user=user,
        certificate_pem=issued.certificate_pem,
        fingerprint=issued.fingerprint,
        issued=issued,
        encrypted_key=encrypted,
        kdf_salt=salt,
        kdf_n=SCRYPT_N,
    )


def credential_retire(
    credential: SigningCredential, *, at: datetime, reason: RevocationReason
) -> None:
    """Retire a credential (the caller holds its row locked): it cannot sign any more, its
    certificate is on the CRL and OCSP says "revoked" from ``at`` on, and its unlocked key
    leaves this process's memory. Letters it signed before stay valid: their timestamps
    prove they were signed while the certificate was good."""
    credential.revoked_at = at
    credential.save(update_fields=["revoked_at"])
    if credential.issued is not None:
        certificate_revoke(issued=credential.issued, reason=reason, at=at)
    _unlocked.forget(credential.pk)


@dataclass(frozen=True)
class _Answered:
    """A certificate that gets a fresh OCSP answer after each signature, and who answers."""

    issued: IssuedCertificate
    authority: Authority
    responder: ServiceIdentity


def _chain_of(authority: Authority, responder: ServiceIdentity) -> pades.Evidence:
    return pades.Evidence(
        [authority.certificate, responder.certificate], [], [crl_current(authority)]
    )


def _session_evidence(
    head: _Answered, unit: ServiceIdentity | None
) -> tuple[pades.Evidence, list[_Answered]]:
    """What every letter of a session carries (the chains and CRLs of the head's certificate
    and, when it stamps, of our own time-stamping unit), and the certificates that get an
    OCSP answer after each signature."""
    evidence = pades.Evidence([certificate_load(head.issued.certificate_pem)]) + _chain_of(
        head.authority, head.responder
    )
    answered = [head]
    if unit is not None:
        evidence = evidence + pades.Evidence([unit.certificate])
        if unit.authority.record.pk == head.authority.record.pk:
            answered.append(_Answered(unit.issued, head.authority, head.responder))
        else:
            responder = service_identity(CertificatePurpose.OCSP, unit.authority)
            evidence = evidence + _chain_of(unit.authority, responder)
            answered.append(_Answered(unit.issued, unit.authority, responder))
    return evidence, answered


def _answers_after_signing(answered: list[_Answered]) -> pades.Evidence:
    """OCSP answers made after the signature and its timestamp: revocation information
    issued after the time it proves (ETSI EN 319 102-1 requires it so), one per letter."""
    return pades.Evidence(
        [],
        [
            ocsp_answer(item.issued, authority=item.authority, responder=item.responder)
            for item in answered
        ],
        [],
    )


class LocalSession:
    backend = "local"

    def __init__(
        self,
        signer: signers.SimpleSigner,
        fingerprint: str,
        *,
        evidence: pades.Evidence,
        timestamper: TimeStamper,
        timestamp_valid_until: datetime | None,
        answered: list[_Answered],
    ):
        self._signer = signer
        self._fingerprint = fingerprint
        self._evidence = evidence
        self._timestamper = timestamper
        self._timestamp_valid_until = timestamp_valid_until
        # The certificates that get a fresh OCSP answer after each signature.
        self._answered = answered

    def sign(self, documents: list[SignatureRequest]) -> list[SignedDocument]:
        signed = []
        for document in documents:
            try:
                output = pades.certify(
                    document.pdf,
                    request=document,
                    signer=self._signer,
                    timestamper=self._timestamper,
                )
                pades.long_term_extend(
                    output,
                    evidence=self._evidence + _answers_after_signing(self._answered),
                    timestamper=self._timestamper,
                    field_name=f"{pades.TIMESTAMP_FIELD_PREFIX}1",
                )
            except TimestampUnavailable as error:
                raise SignerUnavailable(
                    _(
                        "The time-stamping service is not available right now. The letter "
                        "stays a draft; please try again later."
                    )
                ) from error
            pdf = output.getvalue()
            signed.append(
                SignedDocument(
                    pdf=pdf,
                    certificate_fingerprint=self._fingerprint,
                    timestamp_valid_until=self._timestamp_valid_until
                    or pades.newest_timestamp_valid_until(pdf),
                )
            )
        return signed


def _usable(credential: SigningCredential) -> x509.Certificate:
    """The credential's certificate, if it may sign now; SignerNotReady with the reason."""
    certificate = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    if credential.issued is not None and credential.issued.revoked_at is not None:
        raise SignerNotReady(
            _("Your signing certificate has been revoked. Set a new signing passphrase.")
        )
    if certificate.not_valid_after_utc <= timezone.now():
        raise SignerNotReady(
            _("Your signing certificate has expired. Set a new signing passphrase.")
        )
    return certificate


class LocalSigner:
    name = "local"

    def open_session(self, *, user: User, passphrase: str) -> LocalSession:
        credential = active_credential_of(user)
        if credential is None:
            latest = SigningCredential.objects.filter(user=user).select_related("issued").first()
            if latest is not None and latest.issued is not None and latest.issued.revoked_at:
                raise SignerNotReady(
                    _(
                        "Your signing certificate was revoked on %(date)s. Set a new signing "
                        "passphrase to get a new certificate."
                    )
                    % {"date": formats.date_format(timezone.localdate(latest.issued.revoked_at))}
                )
            raise SignerNotReady(
                _("You have no signing certificate yet. Set your signing passphrase first.")
            )
        certificate = _usable(credential)
        if credential.issued is None:
            raise SignerNotReady(
                _(
                    "Your signing certificate is older than the published revocation lists. "
                    "Set a new signing passphrase."
                )
            )
        authority = Authority(credential.issued.authority)
        tag = hmac.new(
            _PROCESS_SECRET,
            f"{credential.pk}:{credential.fingerprint}:{passphrase}".encode(),
            hashlib.sha256,
        ).digest()
        signer = _unlocked.get(credential.pk, tag)
        if signer is None:
            key_der = key_decrypt(credential, passphrase)
            signer = pades.VerbatimSigner(
                signing_cert=pades.asn1_certificate(certificate),
                signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                cert_registry=SimpleCertificateStore.from_certs(
                    [pades.asn1_certificate(authority.certificate)]
                ),
            )
            _unlocked.put(credential.pk, tag, signer)
        try:
            tsa = timestamper()
            unit = tsa.unit.identity if isinstance(tsa, LocalTimeStamper) else None
            head = _Answered(
                credential.issued, authority, service_identity(CertificatePurpose.OCSP, authority)
            )
            evidence, answered = _session_evidence(head, unit)
        except PkiNotReady as error:
            raise SignerNotReady(_("The local certificate authority is not set up yet.")) from error
        except ImproperlyConfigured as error:  # the PKI's keys do not open: the operators' job
            logger.error("signing refused: %s", error)
            raise SignerUnavailable(
                _(
                    "The signing service cannot use its keys right now. The letter stays a "
                    "draft; please tell the district admin."
                )
            ) from error
        return LocalSession(
            signer,
            credential.fingerprint,
            evidence=evidence,
            timestamper=tsa,
            # Our own unit's certificate end is known; an external TSA's is read from the letter.
            timestamp_valid_until=unit.issued.not_after if unit is not None else None,
            answered=answered,
        )
