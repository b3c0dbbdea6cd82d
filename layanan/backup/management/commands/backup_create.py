"""`manage.py backup_create --output PATH.tar.gz`: the database (with the PKI) and files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layanan.backup.services import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (portable JSON, with the local PKI, its keys encrypted) and "
        "the private files. Not included: the PKI passphrase and the rest of the configuration."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the archive to write (.tar.gz)")

    def handle(self, *args, **options):
        output = Path(options["output"])
        if output.exists():
            raise CommandError(f"{output} exists; choose a new name.")
        try:
            summary = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written to {summary.path}: database {summary.database_bytes} bytes, "
            f"{summary.files} files. Not included: the PKI passphrase (keep it apart) and the "
            f"configuration."
        )
