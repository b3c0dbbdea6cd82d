"""Storage for private files (identity documents, issued letters), encrypted at rest.

These files never get a URL: views stream them after checking who asks. A storage whose
``url()`` refuses makes a template or view that tries to link one fail loudly in tests
instead of leaking a path.

Every file is written encrypted (``layanan.core.crypto``: a data key of its own, wrapped
under the keyring's first key) and decrypted as it is read, in chunks: callers see the
content only, through ``open()`` and ``size()``, on local disk and in S3 alike. A file
stored in clear by an earlier version (no header) still opens as it is; ``files_encrypt``
encrypts it in place, ``file_key_rotate`` re-wraps data keys (``raw_open``/``raw_replace``:
the stored bytes, for that maintenance only).
"""

import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

from layanan.core.crypto import (
    MAGIC,
    ChunkStream,
    DecryptedStream,
    encrypted_chunks,
    header_read,
    plain_size,
)
from layanan.core.private_files import FILE_MODE

URL_REFUSED = "Private files are not accessible via a URL; stream them from a view."

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    _StorageBase = Storage
else:
    _StorageBase = object


class StoredFile(File):
    """A file as the storage gives it: the content, decrypted; reopening reads it again
    through the storage (never the path of its encrypted bytes)."""

    def __init__(self, stream: Any, name: str, storage: "EncryptedStorageMixin") -> None:
        super().__init__(stream, name)
        self.mode = "rb"
        self._storage = storage

    @property
    def size(self) -> int:
        stream: Any = self.file
        if isinstance(stream, DecryptedStream):
            return stream.size
        position = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(position)
        return end

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> "StoredFile":
        if not self.closed:
            self.seek(0)
        elif self.name:
            self.file = self._storage.open(self.name, "rb").file
        else:
            raise ValueError("The file cannot be reopened.")
        return self


class EncryptedStorageMixin(_StorageBase):
    """Encrypts on ``_save``, decrypts on ``_open``; before a Django storage in the bases."""

    def _save(self, name: str, content: File) -> str:
        encrypted = File(cast(IO[bytes], ChunkStream(encrypted_chunks(content.chunks()))), name)
        return super()._save(name, encrypted)  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> StoredFile:
        if mode not in {"r", "rb"}:
            raise ValueError("Private files open for reading only; save() writes a new file.")
        raw = self.raw_open(name)
        if raw.read(len(MAGIC)) != MAGIC:  # stored in clear by an earlier version
            raw.seek(0)
            return StoredFile(raw, name, self)
        return StoredFile(DecryptedStream(raw, name=name), name, self)

    def size(self, name: str) -> int:
        """The content's size (not the encrypted file's)."""
        stored = super().size(name)
        header = header_read(io.BytesIO(self._raw_start(name)))
        return stored if header is None else plain_size(stored, header)

    def raw_open(self, name: str) -> IO[bytes]:
        """The stored bytes as they are (for maintenance: encrypting, re-wrapping)."""
        return super()._open(name, "rb")  # type: ignore[misc]

    def raw_replace(self, name: str, chunks: Iterator[bytes]) -> None:
        """Replace the stored bytes of an existing file, at once (for maintenance)."""
        raise NotImplementedError

    def _raw_start(self, name: str) -> bytes:
        with self.raw_open(name) as raw:
            return raw.read(len(MAGIC) + 1 + 255 + 51)


class PrivateFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError(URL_REFUSED)

    def raw_replace(self, name: str, chunks: Iterator[bytes]) -> None:
        """Written beside the file, then renamed over it: a reader sees the old or the new
        file, never half of one; a crash leaves the old one."""
        path = Path(self.path(name))
        if not path.exists():
            raise FileNotFoundError(name)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                os.fchmod(handle.fileno(), self.file_permissions_mode or FILE_MODE)
                for chunk in chunks:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
