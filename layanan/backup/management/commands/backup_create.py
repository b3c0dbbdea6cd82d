"""`manage.py backup_create --output FILE.ldmbackup` (or `--output-dir DIR --keep N`): an
encrypted backup of the database, read in one snapshot, and the files its rows hold, taken
while the site is in use."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from layanan.backup.services import BackupError, backup_create, backups_rotate


class Command(BaseCommand):
    help = (
        "Back up the database (one snapshot, with the local PKI, its keys encrypted) and the "
        "files its rows hold, encrypted with the backup key (LDM_BACKUP_KEY)."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--output", help="the backup file to write (.ldmbackup)")
        where.add_argument(
            "--output-dir", help="write ldm-<date>-<time>.ldmbackup into this folder"
        )
        parser.add_argument(
            "--keep", type=int, default=0, help="with --output-dir: keep only the newest N"
        )

    def handle(self, *args, **options):
        if options["output"]:
            output = Path(options["output"])
        else:
            output = Path(options["output_dir"]) / (
                f"ldm-{timezone.localtime():%Y%m%d-%H%M%S}.ldmbackup"
            )
        if output.exists():
            raise CommandError(f"{output} exists; choose a new name.")
        try:
            summary = backup_create(output=output)
        except (BackupError, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written to {summary.path}: {summary.rows} rows "
            f"({summary.database_bytes} bytes), {summary.files} files, encrypted with the "
            "backup key. Not included: the PKI passphrase and the backup key (keep them apart) "
            "and the rest of the configuration."
        )
        if options["output_dir"] and options["keep"]:
            for gone in backups_rotate(output.parent, keep=options["keep"]):
                self.stdout.write(f"Removed the older backup {gone.name}")
