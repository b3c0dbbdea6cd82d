"""Private keys of the PKI, encrypted at rest.

The CA's, the time-stamping unit's and the OCSP responder's keys are stored encrypted
(AES-256-GCM, the key derived with scrypt) under the PKI passphrase of the configuration:
``LDM_PKI_PASSPHRASE``, or the file named by ``LDM_PKI_PASSPHRASE_FILE``. The embedded
default keeps a random one in ``var/pki-passphrase`` (created on first use, mode 0600,
never committed); production settings refuse to start without one. The passphrase is never
in the database or a backup.
"""

import base64
import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from layanan.core.private_files import private_file_create

PASSPHRASE_FILE_NAME = "pki-passphrase"  # noqa: S105 - a file name, not a secret

_unlocked: dict[str, ec.EllipticCurvePrivateKey] = {}
_lock = threading.Lock()


def pki_passphrase() -> bytes:
    """The passphrase that encrypts the PKI's keys."""
    if settings.LDM_PKI_PASSPHRASE:
        return settings.LDM_PKI_PASSPHRASE.encode()
    if settings.LDM_PKI_PASSPHRASE_FILE:
        path = Path(settings.LDM_PKI_PASSPHRASE_FILE)
        if not path.exists():
            raise ImproperlyConfigured(f"LDM_PKI_PASSPHRASE_FILE names {path}, which is missing.")
        return path.read_bytes().strip()
    return _local_passphrase()


def _local_passphrase() -> bytes:
    """The embedded default's passphrase, kept beside the database in var/."""
    path = Path(settings.VAR_DIR) / PASSPHRASE_FILE_NAME
    if not path.exists():
        private_file_create(path, secrets.token_urlsafe(32).encode(), exist_ok=True)
    return path.read_bytes().strip()


_FORMAT = "ldm-pki-key-v1"


def _derive(salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(pki_passphrase())


def key_seal(key: ec.EllipticCurvePrivateKey) -> str:
    """The key's PKCS#8 DER encrypted with AES-256-GCM under a key derived (scrypt) from the
    PKI passphrase: ``ldm-pki-key-v1:<n>:<salt>:<nonce + ciphertext>`` (base64)."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt, nonce, n = os.urandom(16), os.urandom(12), settings.LDM_PKI_SCRYPT_N
    sealed = AESGCM(_derive(salt, n)).encrypt(nonce, der, _FORMAT.encode())
    parts = (
        _FORMAT,
        str(n),
        base64.b64encode(salt).decode(),
        base64.b64encode(nonce + sealed).decode(),
    )
    return ":".join(parts)


def key_unseal(sealed: str) -> ec.EllipticCurvePrivateKey:
    """The key of a sealed text; kept unlocked in this process's memory afterwards (the
    key derivation is slow on purpose)."""
    with _lock:
        key = _unlocked.get(sealed)
    if key is not None:
        return key
    try:
        format_name, n, salt, blob = sealed.split(":")
        if format_name != _FORMAT:
            raise ValueError(format_name)
        raw = base64.b64decode(blob)
        der = AESGCM(_derive(base64.b64decode(salt), int(n))).decrypt(
            raw[:12], raw[12:], _FORMAT.encode()
        )
    except (ValueError, InvalidTag) as error:
        raise ImproperlyConfigured(
            "A PKI key does not open with the configured PKI passphrase (LDM_PKI_PASSPHRASE)."
        ) from error
    loaded = serialization.load_der_private_key(der, password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured("The PKI's keys are elliptic-curve keys.")
    with _lock:
        _unlocked[sealed] = loaded
    return loaded


def keys_forget() -> None:
    """Drop the unlocked keys (tests, and after a restore or a rotation)."""
    with _lock:
        _unlocked.clear()
