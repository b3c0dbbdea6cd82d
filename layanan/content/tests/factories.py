"""Factories for public information: fictional news and announcements."""

import datetime as dt
import io

import factory
from django.utils import timezone
from PIL import Image

from layanan.content.models import Announcement, NewsItem


class NewsItemFactory(factory.django.DjangoModelFactory[NewsItem]):
    class Meta:
        model = NewsItem

    source_id = factory.Sequence(lambda n: f"https://berita.kabupaten.example/?p={n + 1}")
    title = factory.Sequence(lambda n: f"Berita contoh nomor {n + 1}")
    summary = "Ringkasan berita contoh."
    link = factory.LazyAttribute(lambda o: o.source_id)
    published_at = factory.Sequence(lambda n: timezone.now() - dt.timedelta(hours=n + 1))
    first_seen_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class AnnouncementFactory(factory.django.DjangoModelFactory[Announcement]):
    """A current announcement (already sanitised, as the services store them)."""

    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"Pengumuman contoh {n + 1}")
    slug = factory.Sequence(lambda n: f"pengumuman-contoh-{n + 1}")
    body = "<p>Isi pengumuman contoh.</p>"
    publish_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    expires_on = None
    is_pinned = False


def pdf_bytes() -> bytes:
    """A small, clean one-page PDF."""
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, format="PDF")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(buffer, format="JPEG")
    return buffer.getvalue()
