"""`manage.py backup_restore PATH.tar.gz`: restore a backup on a fresh install."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layanan.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive of backup_create: migrates, then loads the database (with the local "
        "PKI) and the private files. Refuses a database that holds data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by backup_create")
        parser.add_argument(
            "--force",
            action="store_true",
            help="empty the database (and so this installation's PKI) before restoring",
        )

    def handle(self, *args, **options):
        try:
            summary = backup_restore(archive_path=Path(options["archive"]), force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {summary.objects} objects and {summary.files} files. Configure the PKI "
            f"passphrase of the backed-up installation (LDM_PKI_PASSPHRASE) to sign again."
        )
