"""Stop reading an upload larger than any request the site accepts, without draining it.

``RequestSizeLimitMiddleware`` refuses a body whose Content-Length is over
``settings.LDM_REQUEST_MAX_BYTES`` before anything reads it; this handler is the second line,
for a body that turns out larger than it said. It stops the parsing with the connection
"reset": Django then leaves the rest of the body unread (with ``connection_reset=False`` it
would read it all, a body without line breaks into one string in memory), the request is
marked (``request.upload_too_large``) and the middleware answers the 413 page.

A file over its own form's limit (a KTP of 6 MB where 5 MB are accepted) is smaller than the
request limit: it reaches the form, which says "larger than N MB".
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
        if self.received > settings.LDM_REQUEST_MAX_BYTES:
            # Django hands the handlers of FILE_UPLOAD_HANDLERS the request they parse.
            if self.request is not None:
                setattr(self.request, TOO_LARGE_FLAG, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
