"""`manage.py file_key_rotate`: move every private file and TOTP secret to the first key of
LDM_FILE_KEYS (after putting a new key first). Only the files' headers change; idempotent and
resumable (run it again after an interruption); audited. Keep the old key in the keyring
until a run ends without failures."""

from django.core.management.base import BaseCommand, CommandError

from layanan.backup.file_keys import file_key_rotate
from layanan.core.crypto import file_keyring


class Command(BaseCommand):
    help = (
        "Re-wrap every file's data key and re-seal TOTP secrets under the first LDM_FILE_KEYS key."
    )

    def handle(self, *args, **options):
        report = file_key_rotate()
        key_id = file_keyring().current[0]
        self.stdout.write(
            f"{report.changed} of {report.files} files and {report.secrets} TOTP secrets moved "
            f"to the key {key_id!r}; the others already were."
        )
        if report.plain:
            self.stdout.write(
                f"{report.plain} files are stored in clear: run manage.py files_encrypt."
            )
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} do not open with any key of LDM_FILE_KEYS "
                f"({', '.join(report.failed[:10])}); keep the old keys and check them."
            )
