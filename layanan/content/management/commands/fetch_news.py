"""Fetch the kabupaten news portal's feed now (the beat schedule does it periodically)."""

from django.core.management.base import BaseCommand, CommandError

from layanan.content.feeds import FeedKind
from layanan.content.models import FeedErrorKind
from layanan.content.services import news_fetch


class Command(BaseCommand):
    help = "Fetch the news feed (LDM_NEWS_FEED_URL) and store new and changed items."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Fetch this address instead of LDM_NEWS_FEED_URL.")
        parser.add_argument("--kind", choices=FeedKind.ALL, help="Override LDM_NEWS_FEED_KIND.")

    def handle(self, *args, **options):
        result = news_fetch(url=options["url"], kind=options["kind"])
        if result.error_kind == FeedErrorKind.NOT_CONFIGURED:
            self.stdout.write("No news feed is configured (LDM_NEWS_FEED_URL); nothing fetched.")
            return
        if not result.ok:
            raise CommandError(
                f"The news feed could not be fetched ({result.error_kind}). "
                "The stored news is unchanged."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"News fetched: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
