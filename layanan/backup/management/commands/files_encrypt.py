"""`manage.py files_encrypt`: encrypt in place the private files an earlier version stored in
clear (once, after upgrading). Idempotent and resumable; audited."""

from django.core.management.base import BaseCommand

from layanan.backup.file_keys import files_encrypt


class Command(BaseCommand):
    help = "Encrypt in place the private files stored in clear (under the first LDM_FILE_KEYS key)."

    def handle(self, *args, **options):
        report = files_encrypt()
        self.stdout.write(
            f"{report.changed} of {report.files} files encrypted; the others already were."
        )
