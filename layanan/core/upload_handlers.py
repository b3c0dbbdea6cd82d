"""Bound what an upload may cost while it is being read: per file and per request.

**A file over every form's limit** (``settings.LDM_UPLOAD_MAX_BYTES``, 20 MB: the largest
file any form accepts) is still read to its end, to learn its size, but no more of it is
kept: the copy the next handlers had started (a temporary file) is closed and deleted, and
the form receives an ``OversizedUpload``, a file with its name and size and no content. The
form then says "KTP: the file is 24.3 MB, over the limit of 20 MB" beside that field while
checking every other field, instead of a page that says only that something was too large.

**A request over ``settings.LDM_REQUEST_MAX_BYTES``** (a bit more than two files at the
largest) is refused by ``RequestSizeLimitMiddleware`` from its Content-Length before
anything reads it; this handler is the second line, for a body that turns out larger than
it said. It stops the parsing with the connection "reset": Django then leaves the rest of
the body unread (with ``connection_reset=False`` it would read it all, a body without line
breaks into one string in memory), the request is marked (``request.upload_too_large``) and
the middleware answers the 413 page.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# The attribute this handler sets on the request; views read it with getattr(..., False).
TOO_LARGE_FLAG = "upload_too_large"


class OversizedUpload(UploadedFile):
    """An uploaded file over ``settings.LDM_UPLOAD_MAX_BYTES``: its name and real size,
    no content. Forms refuse it from its size (``layanan.core.uploads.upload_size_check``)
    before reading anything; read anyway, it is empty."""

    def __init__(
        self,
        *,
        name: str | None,
        content_type: str | None,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, bytes] | None,
    ) -> None:
        super().__init__(
            io.BytesIO(),
            name=name,
            content_type=content_type,
            size=size,
            charset=charset,
            content_type_extra=content_type_extra,
        )


class SizeLimitUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: it sees every chunk before the handlers that keep it."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.oversized = False
        self.file_size = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.oversized = False
        self.file_size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.LDM_REQUEST_MAX_BYTES:
            # Django hands the handlers of FILE_UPLOAD_HANDLERS the request they parse.
            if self.request is not None:
                setattr(self.request, TOO_LARGE_FLAG, True)
            raise StopUpload(connection_reset=True)
        self.file_size = start + len(raw_data)
        if self.file_size > settings.LDM_UPLOAD_MAX_BYTES:
            if not self.oversized:
                self.oversized = True
                self._discard_kept_copy()
            return None  # the handlers after this one receive no more of this file
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None  # the next handler hands over the file it kept
        return OversizedUpload(
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )

    def _discard_kept_copy(self) -> None:
        # What Django itself does with the handlers' files when a handler skips a file: a
        # TemporaryUploadedFile is deleted when closed, an in-memory one freed.
        if self.request is None:
            return
        for handler in self.request.upload_handlers:
            kept = getattr(handler, "file", None)
            if handler is not self and kept is not None:
                kept.close()
