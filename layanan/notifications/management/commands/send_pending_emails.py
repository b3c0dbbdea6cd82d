"""Send queued emails that were not delivered yet (e.g. after a broker outage)."""

from django.core.management.base import BaseCommand

from layanan.notifications.delivery import emails_send_pending


class Command(BaseCommand):
    help = "Send pending emails older than a minute."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="seconds (default 60)")

    def handle(self, *args, older_than, **options):
        sent = emails_send_pending(older_than_seconds=older_than)
        self.stdout.write(f"{sent} email(s) sent.")
