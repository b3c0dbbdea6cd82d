"""`manage.py files_reconcile`: files and rows agree (the scheduler runs it nightly).

Moves the files that no row holds and that are older than the grace period under
``karantina/<date>/`` and lists them; lists issued letters whose PDF is missing (exit 1)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from layanan.backup.reconcile import GRACE, files_reconcile


class Command(BaseCommand):
    help = "Quarantine files no row holds; report issued letters without their PDF."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(GRACE.total_seconds() // 60),
            help="leave files younger than this alone (a signing may be committing)",
        )
        parser.add_argument("--dry-run", action="store_true", help="only report")

    def handle(self, *args, **options):
        report = files_reconcile(
            grace=dt.timedelta(minutes=options["grace_minutes"]), dry_run=options["dry_run"]
        )
        verb = "would be quarantined" if options["dry_run"] else "quarantined"
        for name in report.quarantined:
            self.stdout.write(f"{verb}: {name}")
        self.stdout.write(f"{len(report.quarantined)} files held by no row {verb}.")
        if report.missing:
            raise CommandError(
                f"{len(report.missing)} issued letters have no PDF in the storage "
                f"(requests {', '.join(report.missing[:10])})."
            )
        self.stdout.write("Every issued letter has its PDF.")
