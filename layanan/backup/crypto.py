"""Backups are encrypted: a stream of AES-256-GCM chunks under a key from the configuration.

The file starts with one line naming the format and one line of JSON (the key derivation's
salt and cost, the chunk size, a random nonce prefix); everything after is the archive cut
into chunks of ``CHUNK`` bytes, each sealed with AES-256-GCM. A chunk's nonce is the prefix,
its index and a flag set on the last chunk only (the STREAM construction), and the two header
lines are authenticated with every chunk: a changed, reordered, dropped or truncated chunk,
or a changed header, fails to open (``BackupDamaged``); a wrong key is told apart by a check
value in the header (``BackupKeyError``).

The key: ``LDM_BACKUP_KEY`` (a passphrase) or the file named by ``LDM_BACKUP_KEY_FILE``; the
embedded default keeps a random one in ``var/backup-key`` (created on first use, mode 0600).
scrypt turns it into the AES key. Keep it apart from the backups: with it, a backup is the
whole installation; without it, nothing.
"""

import base64
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from layanan.core.crypto import stream_nonce as _nonce
from layanan.core.private_files import private_file_create

MAGIC = b"LDM-BACKUP-2\n"
CHUNK = 1024 * 1024
TAG = 16
KEY_FILE_NAME = "backup-key"


class BackupKeyError(Exception):
    """The backup does not open with the configured key."""


class BackupDamaged(Exception):
    """The backup is not a complete, unchanged backup of ours."""


def backup_passphrase() -> bytes:
    if settings.LDM_BACKUP_KEY:
        return settings.LDM_BACKUP_KEY.encode()
    if settings.LDM_BACKUP_KEY_FILE:
        path = Path(settings.LDM_BACKUP_KEY_FILE)
        if not path.exists():
            raise ImproperlyConfigured(f"LDM_BACKUP_KEY_FILE names {path}, which is missing.")
        return path.read_bytes().strip()
    if settings.LDM_BACKUP_KEY_REQUIRED:
        raise ImproperlyConfigured(
            "Set LDM_BACKUP_KEY or LDM_BACKUP_KEY_FILE: backups are encrypted with it."
        )
    path = Path(settings.VAR_DIR) / KEY_FILE_NAME
    if not path.exists():
        private_file_create(path, secrets.token_urlsafe(32).encode(), exist_ok=True)
    return path.read_bytes().strip()


def _key(passphrase: bytes, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase)


def _key_check(key: bytes) -> str:
    """Tells a wrong key from a damaged file, revealing nothing of the key."""
    return base64.b64encode(hmac.new(key, b"ldm-backup-key-check", "sha256").digest()[:16]).decode()


class EncryptingWriter:
    """A binary file-like sink that writes the encrypted stream to ``target``."""

    def __init__(self, target: IO[bytes], *, passphrase: bytes | None = None):
        salt = os.urandom(16)
        self._prefix = os.urandom(7)
        n = settings.LDM_BACKUP_SCRYPT_N
        key = _key(passphrase or backup_passphrase(), salt, n)
        header = {
            "cipher": "AES-256-GCM/STREAM",
            "kdf": "scrypt",
            "n": n,
            "r": 8,
            "p": 1,
            "salt": base64.b64encode(salt).decode(),
            "nonce_prefix": base64.b64encode(self._prefix).decode(),
            "chunk": CHUNK,
            "key_check": _key_check(key),
        }
        self._header = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
        self._aead = AESGCM(key)
        self._target = target
        self._target.write(self._header)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep one chunk back: the last one is flagged
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._index, last)
        self._target.write(self._aead.encrypt(nonce, chunk, self._header))
        self._index += 1

    def flush(self) -> None:
        self._target.flush()

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True
            self._target.flush()


class DecryptingReader:
    """A binary file-like source of the archive inside an encrypted backup."""

    def __init__(self, source: IO[bytes], *, passphrase: bytes | None = None):
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupDamaged("Not an encrypted backup of Layanan Desa Mandiri.")
        line = source.readline(4096)
        try:
            header = json.loads(line)
            salt = base64.b64decode(header["salt"])
            self._prefix = base64.b64decode(header["nonce_prefix"])
            n, self._chunk = int(header["n"]), int(header["chunk"])
            check = header["key_check"]
        except (ValueError, KeyError, TypeError) as error:
            raise BackupDamaged("The backup's header is damaged.") from error
        key = _key(passphrase or backup_passphrase(), salt, n)
        if not hmac.compare_digest(_key_check(key), check):
            raise BackupKeyError(
                "The backup does not open with this installation's backup key (LDM_BACKUP_KEY)."
            )
        self._header = MAGIC + line
        self._aead = AESGCM(key)
        self._source = source
        self._index = 0
        self._buffer = b""
        self._done = False
        self._pending = source.read(self._chunk + TAG)

    def _open_next(self) -> None:
        sealed = self._pending
        self._pending = self._source.read(self._chunk + TAG)
        last = not self._pending
        try:
            chunk = self._aead.decrypt(
                _nonce(self._prefix, self._index, last), sealed, self._header
            )
        except InvalidTag as error:
            raise BackupDamaged(
                "The backup is damaged or incomplete (a part of it does not open)."
            ) from error
        self._index += 1
        self._buffer += chunk
        self._done = last

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._open_next()
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
