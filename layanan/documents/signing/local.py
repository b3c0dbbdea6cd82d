"""The local signer: PAdES signatures with pyHanko and keys from the local CA.

A head's private key is kept encrypted (AES-256-GCM under a key derived with scrypt from
the signing passphrase). Unlocking costs one scrypt run, so a session keeps the unlocked
signer in this process's memory: the next signing with the same passphrase skips the key
derivation and the key parsing. The cache key is an HMAC of the passphrase under a random
per-process secret, so neither the passphrase nor its hash is kept anywhere.
"""

import hashlib
import hmac
import io
import os
import secrets
import threading
from collections import OrderedDict

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from layanan.documents.models import SigningCredential
from layanan.documents.selectors import active_credential_of
from layanan.documents.signing.base import (
    SignatureRequest,
    SignedDocument,
    SignerNotReady,
    WrongPassphrase,
)
from layanan.documents.signing.ca import fingerprint, local_ca_load

# Bytes reserved for the CMS signature: fixed, so pyHanko writes the file once.
SIGNATURE_BYTES_RESERVED = 8192
FIELD_NAME = "TandaTanganElektronik"
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


def credential_new(*, user, subject: x509.Name, passphrase: str) -> SigningCredential:
    """A new key pair and a certificate from the local CA for ``subject``, the key
    encrypted under ``passphrase``: an unsaved credential of ``user``."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = local_ca_load().issue(public_key=key.public_key(), subject=subject)
    salt, encrypted = _key_encrypt(key, passphrase)
    return SigningCredential(
        user=user,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        fingerprint=fingerprint(certificate),
        encrypted_key=encrypted,
        kdf_salt=salt,
        kdf_n=SCRYPT_N,
    )


def credential_retire(credential: SigningCredential, *, at) -> None:
    """Retire a credential (the caller holds its row locked); its unlocked key leaves this
    process's memory. Letters it signed still verify: the CA is the trust root."""
    credential.revoked_at = at
    credential.save(update_fields=["revoked_at"])
    _unlocked.forget(credential.pk)


class LocalSession:
    backend = "local"

    def __init__(self, signer: signers.SimpleSigner, fingerprint: str):
        self._signer = signer
        self._fingerprint = fingerprint

    def sign(self, documents: list[SignatureRequest]) -> list[SignedDocument]:
        signed = []
        for document in documents:
            metadata = signers.PdfSignatureMetadata(
                field_name=FIELD_NAME,
                reason=document.reason,
                location=document.location,
                subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256",
            )
            writer = IncrementalPdfFileWriter(io.BytesIO(document.pdf))
            output = signers.PdfSigner(metadata, signer=self._signer).sign_pdf(
                writer, bytes_reserved=SIGNATURE_BYTES_RESERVED
            )
            signed.append(
                SignedDocument(pdf=output.getvalue(), certificate_fingerprint=self._fingerprint)
            )
        return signed


class LocalSigner:
    name = "local"

    def open_session(self, *, user, passphrase: str) -> LocalSession:
        credential = active_credential_of(user)
        if credential is None:
            raise SignerNotReady(
                _("You have no signing certificate yet. Set your signing passphrase first.")
            )
        certificate = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
        if certificate.not_valid_after_utc <= timezone.now():
            raise SignerNotReady(_("Your signing certificate has expired. Ask for a new one."))
        tag = hmac.new(
            _PROCESS_SECRET,
            f"{credential.pk}:{credential.fingerprint}:{passphrase}".encode(),
            hashlib.sha256,
        ).digest()
        signer = _unlocked.get(credential.pk, tag)
        if signer is None:
            key_der = key_decrypt(credential, passphrase)
            ca = local_ca_load()
            ca_der = ca.certificate.public_bytes(serialization.Encoding.DER)
            signer = signers.SimpleSigner(
                signing_cert=asn1_x509.Certificate.load(
                    certificate.public_bytes(serialization.Encoding.DER)
                ),
                signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                cert_registry=SimpleCertificateStore.from_certs(
                    [asn1_x509.Certificate.load(ca_der)]
                ),
            )
            _unlocked.put(credential.pk, tag, signer)
        return LocalSession(signer, credential.fingerprint)
