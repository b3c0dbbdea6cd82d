"""Encryption at rest: private files and small secrets under keys of the configuration.

**The keyring.** ``LDM_FILE_KEYS`` (``id:base64key,...``; or the file ``LDM_FILE_KEYS_FILE``,
one ``id:base64key`` a line) lists 256-bit keys, each with a short name; the first encrypts,
every one decrypts. The embedded default keeps one random key in ``var/file-key`` (created on
first use, mode 0600; production refuses to start without a configured keyring). When a keyring
is configured and ``var/file-key`` exists too, its key still decrypts (files written before
the configuration) until ``file_key_rotate`` has moved every file to the newest key.

**A file** (``encrypted_chunks``, ``DecryptedStream``) gets a random 256-bit data key, wrapped
with AES key wrap (RFC 3394) under the keyring's first key. It starts with a header::

    MAGIC | len(key id) | key id | wrapped data key (40) | nonce prefix (7) | chunk size (4)

followed by the content cut into chunks of ``chunk size`` bytes, each sealed with AES-256-GCM
under the data key. A chunk's nonce is the prefix, its index and a flag set on the last chunk
only (the STREAM construction, as the backups do), and the magic, prefix and chunk size are
authenticated with every chunk: a changed, reordered, dropped or truncated chunk fails to open
(``FileDamaged``); an unknown or wrong key is said to be one (``FileKeyError``). The key id and
the wrapped key are left out of what the chunks authenticate, so that rotating the master key
rewrites the header only (``header_rewrap``): the content is never decrypted for it. The size
of the content follows from the size of the file (``plain_size``), and reading can start at any
chunk, so a decrypted file seeks (a ``FileResponse`` tells its length).

**A secret** (``secret_seal``, ``secret_open``: the TOTP keys of staff logins) is sealed with
AES-256-GCM under a key derived (HKDF) from the keyring's first key for that one purpose;
opening tries every key of the keyring, so that rotation needs no key id in the value.
"""

import base64
import binascii
import functools
import io
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from layanan.core.private_files import private_file_create

MAGIC = b"LDM-FILE-1\n"
CHUNK = 64 * 1024
TAG = 16
PREFIX = 7
WRAPPED = 40
KEY_FILE_NAME = "file-key"
SECRET_PREFIX = "ldm1$"  # noqa: S105 - the format's marker, not a secret
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class FileKeyError(Exception):
    """A file or secret does not open with the keys of the configuration."""


class FileDamaged(Exception):
    """An encrypted file is not complete and unchanged."""


def stream_nonce(prefix: bytes, index: int, last: bool) -> bytes:
    """The nonce of a STREAM chunk: a random prefix (7 bytes), the chunk's index, the last flag."""
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


# --- The keyring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyring:
    """Named 256-bit keys; the first encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def get(self, key_id: str) -> bytes | None:
        return next((key for name, key in self.keys if name == key_id), None)


def keyring_parse(entries: list[str], *, source: str) -> list[tuple[str, bytes]]:
    """``id:base64key`` entries; a malformed one is refused naming its place, never the key."""
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate(item.strip() for item in entries if item.strip()):
        key_id, _colon, encoded = entry.partition(":")
        try:
            key = base64.b64decode(
                encoded.strip().replace("-", "+").replace("_", "/"), validate=True
            )
        except (binascii.Error, ValueError):
            key = b""
        if not _KEY_ID.fullmatch(key_id) or len(key) != 32:
            raise ImproperlyConfigured(
                f"{source}: entry {number + 1} must be 'id:key' with an id of letters, digits, "
                "'.', '_' or '-' and a key of 32 random bytes in base64 (e.g. "
                "openssl rand -base64 32)."
            )
        keys.append((key_id, key))
    return keys


def _local_key(path: Path) -> list[tuple[str, bytes]]:
    if not path.exists():
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        private_file_create(path, f"local:{key}\n".encode(), exist_ok=True)
    return keyring_parse(path.read_text().split(), source=str(path))


@functools.lru_cache(maxsize=8)
def _keyring(configured: tuple[str, ...], keys_file: str, var_dir: str, required: bool) -> Keyring:
    keys = keyring_parse(list(configured), source="LDM_FILE_KEYS")
    if keys_file:
        path = Path(keys_file)
        if not path.exists():
            raise ImproperlyConfigured(f"LDM_FILE_KEYS_FILE names {path}, which is missing.")
        keys += keyring_parse(path.read_text().replace(",", "\n").split(), source=str(path))
    local = Path(var_dir) / KEY_FILE_NAME
    if not keys and required:
        raise ImproperlyConfigured(
            "Set LDM_FILE_KEYS or LDM_FILE_KEYS_FILE: private files are encrypted under it."
        )
    if not keys or local.exists():
        keys += [(key_id, key) for key_id, key in _local_key(local) if (key_id, key) not in keys]
    ids = [key_id for key_id, _key in keys]
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured(
            "LDM_FILE_KEYS: every key needs its own id (var/file-key's is 'local')."
        )
    return Keyring(tuple(keys))


def file_keyring() -> Keyring:
    """The configured keyring (read once per configuration)."""
    return _keyring(
        tuple(settings.LDM_FILE_KEYS),
        settings.LDM_FILE_KEYS_FILE,
        str(settings.VAR_DIR),
        settings.LDM_FILE_KEYS_REQUIRED,
    )


# --- Files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    key_id: str
    wrapped: bytes
    prefix: bytes
    chunk: int

    def to_bytes(self) -> bytes:
        key_id = self.key_id.encode()
        return (
            MAGIC
            + bytes([len(key_id)])
            + key_id
            + self.wrapped
            + self.prefix
            + self.chunk.to_bytes(4, "big")
        )

    @property
    def length(self) -> int:
        return len(MAGIC) + 1 + len(self.key_id) + WRAPPED + PREFIX + 4

    @property
    def associated(self) -> bytes:
        """What every chunk authenticates: all of the header that rotation leaves alone."""
        return MAGIC + self.prefix + self.chunk.to_bytes(4, "big")


def is_encrypted(start: bytes) -> bool:
    return start.startswith(MAGIC)


def header_read(source: IO[bytes]) -> Header | None:
    """The header at the source's start, or None for a file stored in clear (from before)."""
    if source.read(len(MAGIC)) != MAGIC:
        return None
    length = source.read(1)
    key_id = source.read(length[0]) if length else b""
    rest = source.read(WRAPPED + PREFIX + 4)
    if not length or len(key_id) != length[0] or len(rest) != WRAPPED + PREFIX + 4:
        raise FileDamaged("The encrypted file's header is incomplete.")
    chunk = int.from_bytes(rest[WRAPPED + PREFIX :], "big")
    if not chunk:
        raise FileDamaged("The encrypted file's header is damaged.")
    return Header(
        key_id.decode("ascii", "replace"), rest[:WRAPPED], rest[WRAPPED : WRAPPED + PREFIX], chunk
    )


def _data_key(header: Header, keyring: Keyring) -> bytes:
    master = keyring.get(header.key_id)
    if master is None:
        raise FileKeyError(
            f"The file is encrypted under the key {header.key_id!r}, which LDM_FILE_KEYS does not "
            "hold: add that key to the keyring (the first key encrypts, every key decrypts)."
        )
    try:
        return aes_key_unwrap(master, header.wrapped)
    except InvalidUnwrap as error:
        raise FileKeyError(
            f"The file does not open with the key {header.key_id!r} of LDM_FILE_KEYS: "
            "it is not the key the file was encrypted under."
        ) from error


def header_rewrap(header: Header, keyring: Keyring) -> Header:
    """The same file's header with its data key wrapped under the keyring's first key."""
    key_id, master = keyring.current
    return Header(
        key_id, aes_key_wrap(master, _data_key(header, keyring)), header.prefix, header.chunk
    )


def encrypted_chunks(chunks: Iterator[bytes], keyring: Keyring | None = None) -> Iterator[bytes]:
    """The encrypted file of the content given as chunks of any size: header, then sealed chunks."""
    key_id, master = (keyring or file_keyring()).current
    data_key = AESGCM.generate_key(bit_length=256)
    header = Header(key_id, aes_key_wrap(master, data_key), os.urandom(PREFIX), CHUNK)
    aead = AESGCM(data_key)
    associated = header.associated
    yield header.to_bytes()
    buffer = bytearray()
    index = 0
    for piece in chunks:
        buffer += piece if isinstance(piece, bytes | bytearray) else piece.encode()
        while len(buffer) > CHUNK:  # one chunk is always kept back: the last one is flagged
            yield aead.encrypt(
                stream_nonce(header.prefix, index, False), bytes(buffer[:CHUNK]), associated
            )
            del buffer[:CHUNK]
            index += 1
    yield aead.encrypt(stream_nonce(header.prefix, index, True), bytes(buffer), associated)


def plain_size(encrypted_size: int, header: Header) -> int:
    body = encrypted_size - header.length
    count = max(1, -(-body // (header.chunk + TAG)))
    return body - count * TAG


class ChunkStream(io.RawIOBase):
    """A read-only, unseekable binary stream of an iterator's chunks (to hand to a storage)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._buffer = piece
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


class DecryptedStream(io.RawIOBase):
    """The content of an encrypted file, read from a seekable source chunk by chunk: seekable
    too, with the content's length (never the file's)."""

    def __init__(
        self, source: IO[bytes], keyring: Keyring | None = None, *, name: str = ""
    ) -> None:
        source.seek(0)
        header = header_read(source)
        if header is None:
            raise FileDamaged("The file is not encrypted.")
        self._source = source
        self._header = header
        self._aead = AESGCM(_data_key(header, keyring or file_keyring()))
        self._encrypted_size = source.seek(0, io.SEEK_END)
        self._size = plain_size(self._encrypted_size, header)
        if self._size < 0:
            raise FileDamaged("The encrypted file is incomplete.")
        self._last = max(0, -(-self._size // header.chunk) - 1)
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self.name = name

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        sealed_size = self._header.chunk + TAG
        self._source.seek(self._header.length + index * sealed_size)
        sealed = self._source.read(sealed_size)
        try:
            plain = self._aead.decrypt(
                stream_nonce(self._header.prefix, index, index == self._last),
                sealed,
                self._header.associated,
            )
        except InvalidTag as error:
            raise FileDamaged(
                "The encrypted file is damaged or incomplete (a part of it does not open)."
            ) from error
        self._cached = (index, plain)
        return plain

    def readinto(self, target) -> int:
        if self._position >= self._size:
            if self._size == 0 and self._cached is None:
                self._chunk(0)  # an empty file is still checked: it is one sealed chunk
            return 0
        index, offset = divmod(self._position, self._header.chunk)
        plain = self._chunk(index)
        count = min(len(target), len(plain) - offset)
        target[:count] = plain[offset : offset + count]
        self._position += count
        return count

    def readall(self) -> bytes:
        parts = []
        while piece := self.read(self._header.chunk):
            parts.append(piece)
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


# --- Secrets --------------------------------------------------------------------------------


def _secret_key(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ldm-secret-v1").derive(
        master
    )


def secret_seal(value: bytes, keyring: Keyring | None = None) -> str:
    """``ldm1$`` and the base64 (URL-safe, unpadded) of the nonce and the sealed value."""
    _key_id, master = (keyring or file_keyring()).current
    nonce = os.urandom(12)
    sealed = AESGCM(_secret_key(master)).encrypt(nonce, value, b"ldm-secret-v1")
    return SECRET_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def is_sealed(text: str) -> bool:
    return text.startswith(SECRET_PREFIX)


def secret_open(text: str, keyring: Keyring | None = None) -> tuple[bytes, bool]:
    """The value of a sealed secret, and whether it is sealed under the keyring's first key."""
    encoded = text.removeprefix(SECRET_PREFIX)
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as error:
        raise FileKeyError("The sealed secret is damaged.") from error
    ring = keyring or file_keyring()
    for position, (_key_id, master) in enumerate(ring.keys):
        try:
            value = AESGCM(_secret_key(master)).decrypt(raw[:12], raw[12:], b"ldm-secret-v1")
        except InvalidTag:
            continue
        return value, position == 0
    raise FileKeyError(
        "A secret in the database does not open with any key of LDM_FILE_KEYS: the key it "
        "was sealed under is missing from the keyring."
    )
