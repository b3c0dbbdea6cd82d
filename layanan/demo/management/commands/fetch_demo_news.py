"""`make run`'s news: once the feed's server answers, fetch the news as the scheduler would.

`make run` starts no scheduler, and in the demo the feed is served by the very site being
started (LDM_DEMO_NEWS), so `make run` starts this beside the server: it waits until the
feed's server accepts connections (at most --wait seconds), then fetches once with the real
fetcher. It never holds the server up; when the fetch fails, Berita says so.
"""

import socket
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from layanan.content.models import FeedErrorKind
from layanan.content.services import news_fetch

# How often to knock while the server starts (Django's checks take a few seconds).
KNOCK_SECONDS = 0.5


def _answers(url: str, *, wait: float) -> bool:
    """Whether the server of ``url`` accepts a connection within ``wait`` seconds."""
    parts = urlsplit(url)
    address = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    give_up = time.monotonic() + wait
    while True:
        try:
            with socket.create_connection(address, timeout=KNOCK_SECONDS * 2):
                return True
        except OSError:
            if time.monotonic() >= give_up:
                return False
            time.sleep(KNOCK_SECONDS)


class Command(BaseCommand):
    help = "Wait until the news feed's server answers, then fetch the news once (make run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=60.0,
            help="Seconds to wait for the feed's server to answer (default 60).",
        )

    def handle(self, *args, **options):
        url = settings.LDM_NEWS_FEED_URL.strip()
        if not url:
            self.stdout.write("No news feed is configured (LDM_NEWS_FEED_URL); nothing fetched.")
            return
        if not _answers(url, wait=options["wait"]):
            self.stderr.write(f"News: {url} did not answer within {options['wait']:g} s.")
        # Tried even then: the failure is recorded, and Berita says the portal cannot be reached.
        result = news_fetch()
        if result.error_kind == FeedErrorKind.NOT_CONFIGURED:
            return
        if not result.ok:
            self.stderr.write(
                f"News: {url} could not be fetched ({result.error_kind}); Berita says so."
            )
            return
        self.stdout.write(
            f"News fetched from {url}: {result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
