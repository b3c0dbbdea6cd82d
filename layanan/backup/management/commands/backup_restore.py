"""`manage.py backup_restore FILE.ldmbackup`: restore a backup on a fresh install."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from layanan.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup of backup_create (it opens with the backup key, LDM_BACKUP_KEY): "
        "migrates, checks the backup, loads the database and the files, repairs counters, "
        "verifies the audit log. Refuses a database that holds data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .ldmbackup written by backup_create")
        parser.add_argument(
            "--force",
            action="store_true",
            help="empty the database (and so this installation's PKI) before restoring",
        )

    def handle(self, *args, **options):
        try:
            summary = backup_restore(archive_path=Path(options["archive"]), force=options["force"])
        except (BackupError, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {summary.rows} rows and {summary.files} files; the audit log verifies "
            f"({summary.audit_entries} entries)."
        )
        for name, (was, now) in summary.counters_repaired.items():
            self.stdout.write(f"Counter {name} was {was}, below its highest number: now {now}.")
        if summary.letters_without_pdf:
            self.stdout.write(
                f"{summary.letters_without_pdf} issued letters lack their PDF, as they already "
                "did in the backed-up installation (manage.py files_reconcile lists them)."
            )
        if summary.secret_key_kept_as_fallback:
            self.stdout.write(
                "The backed-up installation's secret key differs from this one's: it was kept "
                "in var/secret-key-fallbacks, so links it mailed keep working here (in "
                "production, or set DJANGO_SECRET_KEY_FALLBACKS to it)."
            )
        self.stdout.write(
            "Configure the PKI passphrase of the backed-up installation (LDM_PKI_PASSPHRASE) "
            "to sign again."
        )
