"""The embedded default's email backend: each message a file in ``var/mail/``, readable by
the installation's own user only (the messages hold names, links to set passwords, codes)."""

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend

from layanan.core.private_files import FILE_MODE, private_directory


class PrivateFileEmailBackend(EmailBackend):
    """Django's file backend with the folder created 0700 and every file 0600."""

    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        folder = Path(file_path or settings.EMAIL_FILE_PATH).resolve()
        private_directory(folder)
        kwargs["file_path"] = str(folder)
        super().__init__(*args, **kwargs)

    def open(self) -> bool:
        if self.stream is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            descriptor = os.open(self._get_filename(), flags, FILE_MODE)
            os.fchmod(descriptor, FILE_MODE)
            self.stream = os.fdopen(descriptor, "ab")
            return True
        return False
