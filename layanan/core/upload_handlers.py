"""Stop reading an upload that is far larger than any accepted document.

Without this, Django would stream a 1 GB upload to a temporary file before the form
could refuse it. The view sees ``request.upload_too_large`` and says so.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# The attribute this handler sets on the request; views read it with getattr(..., False).
TOO_LARGE_FLAG = "upload_too_large"


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        # Two documents per form, plus a margin for the multipart envelope.
        if self.received > 2 * settings.LDM_UPLOAD_MAX_BYTES + 1024 * 1024:
            # Django hands the handlers of FILE_UPLOAD_HANDLERS the request they parse.
            if self.request is not None:
                setattr(self.request, TOO_LARGE_FLAG, True)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
