"""manage.py privacy_purge [--dry-run]: what the scheduler runs every night."""

from django.core.management.base import BaseCommand

from layanan.privacy.services import retention_purge


class Command(BaseCommand):
    help = (
        "Delete KTP/KK files of profiles idle past LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS, "
        "what remains of accounts closed more than LDM_RETENTION_CLOSED_ACCOUNTS_DAYS ago, "
        "and expired sessions. Audited; running it twice does nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be purged."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        self.stdout.write(retention_purge(dry_run=dry_run).describe())
