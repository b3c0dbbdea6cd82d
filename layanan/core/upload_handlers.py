"""Stop reading an upload that is far larger than any accepted document.

Without this, Django would stream a 1 GB upload to a temporary file before the form
could refuse it. The view sees ``request.upload_too_large`` and says so.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        # Two documents per form, plus a margin for the multipart envelope.
        if self.received > 2 * settings.LDM_UPLOAD_MAX_BYTES + 1024 * 1024:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None
