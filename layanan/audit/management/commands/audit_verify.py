"""Check the audit log's hash chain: `audit_verify` (exit status 1 when broken)."""

from django.core.management.base import BaseCommand, CommandError

from layanan.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Verify that no audit log entry was edited or deleted."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at entry {report.broken_at}: {report.reason} "
                f"({report.entries} entries verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.entries} entries."))
