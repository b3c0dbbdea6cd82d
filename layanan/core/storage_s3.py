"""Private files in an S3-compatible bucket (``LDM_STORAGE=s3``).

The same promise as `layanan.core.storage.PrivateFileSystemStorage`: identity documents and
issued letters never get a URL, not even a pre-signed one that could leak through a log, a
referrer or a forwarded link. Views stream them after checking who asks. Objects are
encrypted before they leave the server, as on local disk (`layanan.core.storage`): the
bucket, its operator and its backups see ciphertext only.
"""

from collections.abc import Iterator
from typing import IO, cast

from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from layanan.core.crypto import ChunkStream
from layanan.core.storage import URL_REFUSED, EncryptedStorageMixin


class PrivateS3Storage(EncryptedStorageMixin, S3Storage):
    # Objects are written without a public ACL and are never overwritten: names are random
    # (identity documents) or unique (letters), so an existing name means a mistake.
    default_acl = None
    file_overwrite = False
    querystring_auth = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(URL_REFUSED)

    def raw_replace(self, name: str, chunks: Iterator[bytes]) -> None:
        """One PUT over the object: S3 shows the old or the new object, never a part."""
        if not self.exists(name):
            raise FileNotFoundError(name)
        S3Storage._save(self, name, File(cast(IO[bytes], ChunkStream(chunks)), name))

    def _raw_start(self, name: str) -> bytes:
        """The header only (a ranged GET), not the whole object."""
        key = self._normalize_name(clean_name(name))
        answer = self.connection.meta.client.get_object(
            Bucket=self.bucket_name, Key=key, Range="bytes=0-511"
        )
        return answer["Body"].read()
