"""Private files in an S3-compatible bucket (``LDM_STORAGE=s3``).

The same promise as `layanan.core.storage.PrivateFileSystemStorage`: identity documents and
issued letters never get a URL, not even a pre-signed one that could leak through a log, a
referrer or a forwarded link. Views stream them after checking who asks.
"""

from storages.backends.s3 import S3Storage

from layanan.core.storage import URL_REFUSED


class PrivateS3Storage(S3Storage):
    # Objects are written without a public ACL and are never overwritten: names are random
    # (identity documents) or unique (letters), so an existing name means a mistake.
    default_acl = None
    file_overwrite = False
    querystring_auth = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(URL_REFUSED)
