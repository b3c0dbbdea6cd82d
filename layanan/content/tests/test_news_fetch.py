"""Fetching the portal's news through a real local HTTP server (STYLE.md habit 6)."""

import datetime as dt
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from layanan.content.feeds import USER_AGENT
from layanan.content.models import FeedErrorKind, NewsFeedStatus, NewsItem
from layanan.content.services import news_fetch
from layanan.content.tests.conftest import SHORT_TIMEOUT, fixture_bytes

pytestmark = pytest.mark.django_db


def _titles() -> list[str]:
    return list(NewsItem.objects.order_by("title").values_list("title", flat=True))


# --- The three kinds of feed ------------------------------------------------------------------


def test_rss_items_are_imported_as_plain_text_with_safe_links(portal):
    result = news_fetch()

    assert (result.created, result.updated, result.error_kind) == (3, 0, "")
    bridge = NewsItem.objects.get(source_id="https://berita.kabupaten.example/?p=101")
    assert bridge.title == "Bupati meresmikan jembatan desa & jalan usaha tani"
    assert bridge.summary == "Jembatan sepanjang 40 meter menghubungkan dua dusun."
    assert bridge.link == "https://berita.kabupaten.example/2026/03/jembatan-desa/"
    assert bridge.image_url == "https://berita.kabupaten.example/wp-content/uploads/jembatan.jpg"
    assert bridge.published_at == dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC)
    training = NewsItem.objects.get(source_id="https://berita.kabupaten.example/?p=102")
    # A relative link is resolved against the feed's address; media:content gives the image.
    assert training.link == portal.url("/2026/03/pelatihan-operator/")
    assert training.image_url.endswith("/pelatihan.jpg")
    # Entity-encoded markup is text: tags are dropped, script content too.
    assert training.summary == "Sebanyak 248 operator desa mengikuti pelatihan."
    dangerous = NewsItem.objects.get(source_id="https://berita.kabupaten.example/?p=103")
    assert dangerous.link == ""  # javascript: is not a link
    assert dangerous.published_at <= timezone.now()  # unreadable date: first seen


def test_atom_entries_are_imported(portal):
    result = news_fetch(url=portal.url("/atom.xml"))

    assert result.created == 2
    festival = NewsItem.objects.get(source_id="tag:berita.kabupaten.example,2026:201")
    assert festival.title == "Festival budaya desa digelar akhir pekan"
    assert festival.summary == "Tari tradisional ditampilkan oleh warga."
    assert festival.link == "https://berita.kabupaten.example/2026/03/festival/"
    assert festival.image_url == "https://berita.kabupaten.example/img/festival.png"
    assert festival.published_at == dt.datetime(2026, 3, 8, 0, 0, tzinfo=dt.UTC)
    meeting = NewsItem.objects.get(source_id="tag:berita.kabupaten.example,2026:202")
    assert meeting.summary == "Usulan pembangunan dari desa dibahas bersama."
    assert meeting.published_at == dt.datetime(2026, 3, 7, 13, 15, tzinfo=dt.UTC)
    assert NewsFeedStatus.objects.get().feed_kind == "atom"


def test_wordpress_posts_are_imported_with_their_featured_media(portal):
    result = news_fetch(url=portal.url("/wp-json/wp/v2/posts"))

    assert result.created == 2  # a string and a post without a title are skipped
    post = NewsItem.objects.get(source_id="https://berita.kabupaten.example/?p=301")
    assert post.title == "Posyandu “Sehat Bersama” raih penghargaan"
    assert post.summary == "Kader posyandu menerima penghargaan tingkat provinsi."
    assert post.image_url == "https://berita.kabupaten.example/wp-content/uploads/posyandu.jpg"
    assert post.published_at == dt.datetime(2026, 3, 6, 1, 0, tzinfo=dt.UTC)
    assert NewsItem.objects.get(link__endswith="/pasar-desa/").image_url == ""
    # The client asks WordPress to embed the featured media.
    assert "_embed=1" in portal.requests[-1]


def test_a_wordpress_site_address_is_enough_when_the_kind_is_configured(portal):
    result = news_fetch(url=portal.url("/"), kind="wordpress")

    assert result.created == 2
    assert portal.requests[-1].startswith("/wp-json/wp/v2/posts?")


def test_auto_detection_follows_the_feed_a_portal_page_advertises(portal):
    result = news_fetch(url=portal.url("/"), kind="auto")

    assert result.created == 2
    assert NewsFeedStatus.objects.get().feed_kind == "wordpress"
    assert [p.split("?")[0] for p in portal.requests] == ["/", "/wp-json/wp/v2/posts"]


def test_a_configured_kind_that_does_not_match_is_refused(portal):
    result = news_fetch(url=portal.url("/atom.xml"), kind="rss")

    assert result.error_kind == FeedErrorKind.NOT_A_FEED
    assert NewsItem.objects.count() == 0


def test_compressed_feeds_and_redirects_are_followed(portal):
    assert news_fetch(url=portal.url("/gzip.xml")).created == 3
    assert news_fetch(url=portal.url("/redirect.xml")).unchanged == 3


def test_the_client_names_itself(portal):
    news_fetch()

    assert portal.user_agents == [USER_AGENT]


# --- Idempotence and updates --------------------------------------------------------------------


def test_a_second_fetch_of_the_same_feed_adds_nothing(portal):
    news_fetch()
    first = list(NewsItem.objects.values_list("id", "updated_at"))

    result = news_fetch()

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert list(NewsItem.objects.values_list("id", "updated_at")) == first


def test_an_item_changed_upstream_is_updated_in_place(portal):
    news_fetch()
    item = NewsItem.objects.get(source_id="https://berita.kabupaten.example/?p=101")
    changed = (
        fixture_bytes("rss.xml")
        .replace(b"Bupati meresmikan jembatan", b"Bupati meresmikan jembatan baru")
        .replace(b"40 meter", b"45 meter")
    )
    portal.documents["/rss.xml"] = (changed, "application/rss+xml")

    result = news_fetch()

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    item.refresh_from_db()
    assert item.title == "Bupati meresmikan jembatan baru desa & jalan usaha tani"
    assert "45 meter" in item.summary
    assert NewsItem.objects.count() == 3
    assert NewsFeedStatus.objects.get().last_updated == 1


def test_a_date_in_the_future_is_capped_to_now(portal):
    future = fixture_bytes("rss.xml").replace(b"Tue, 10 Mar 2026", b"Fri, 10 Mar 2099")
    portal.documents["/rss.xml"] = (future, "application/rss+xml")

    news_fetch()

    item = NewsItem.objects.get(source_id="https://berita.kabupaten.example/?p=101")
    assert item.published_at <= timezone.now()


# --- A portal that is down, silent, wrong, huge or hostile --------------------------------------

FAILURES = {
    "/no-answer.xml": FeedErrorKind.TIMEOUT,
    "/error.xml": FeedErrorKind.HTTP_STATUS,
    "/page.html": FeedErrorKind.NOT_A_FEED,
    "/huge.xml": FeedErrorKind.TOO_LARGE,
    "/huge-declared.xml": FeedErrorKind.TOO_LARGE,
    "/bomb.xml": FeedErrorKind.TOO_LARGE,
    "/missing.xml": FeedErrorKind.HTTP_STATUS,
    "/garbage.xml": FeedErrorKind.NOT_A_FEED,
    "/broken.xml": FeedErrorKind.INVALID,
    "/entities.xml": FeedErrorKind.INVALID,
    "/wp-error.json": FeedErrorKind.NOT_A_FEED,
}

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss version="2.0"><channel><item><title>&c;</title><guid>x</guid></item></channel></rss>"""


@pytest.fixture
def bad_documents(portal):
    portal.documents.update(
        {
            "/garbage.xml": (b"\x00\x01 not a feed at all \xff", "application/octet-stream"),
            "/broken.xml": (b"<rss><channel><item><title>unclosed", "application/rss+xml"),
            "/entities.xml": (BILLION_LAUGHS, "application/rss+xml"),
            "/wp-error.json": (b'{"code": "rest_no_route", "data": {"status": 404}}', "json"),
        }
    )
    return portal


@pytest.mark.parametrize(("path", "kind"), FAILURES.items(), ids=list(FAILURES))
def test_a_failing_portal_keeps_the_old_items_and_the_page_working(
    client, bad_documents, settings, path, kind
):
    assert news_fetch().created == 3
    settings.LDM_NEWS_FEED_URL = bad_documents.url(path)
    if kind == FeedErrorKind.TIMEOUT:
        # Only here a short timeout: the portal stays silent far longer (HANG_SECONDS).
        settings.LDM_NEWS_TIMEOUT_SECONDS = SHORT_TIMEOUT

    result = news_fetch()

    # For the silent portal, TIMEOUT itself says the fetch gave up rather than waited.
    assert result.error_kind == kind
    assert NewsItem.objects.count() == 3
    status = NewsFeedStatus.objects.get()
    assert status.is_failing
    assert status.last_error_kind == kind
    assert status.last_success_at is not None
    response = client.get(reverse("content:news"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bupati meresmikan jembatan desa &amp; jalan usaha tani" in html
    assert "Portal berita tidak dapat dihubungi" in html
    assert client.get(reverse("content:home")).status_code == 200


def test_an_unreachable_portal_is_reported_as_such(settings, portal):
    # A port nothing listens on: take one from the OS and close it again.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    result = news_fetch(url=f"http://127.0.0.1:{port}/rss.xml")

    assert result.error_kind == FeedErrorKind.UNREACHABLE


def test_a_success_after_failures_clears_the_notice(client, portal, settings):
    news_fetch(url=portal.url("/error.xml"))
    assert NewsFeedStatus.objects.get().is_failing

    news_fetch()

    status = NewsFeedStatus.objects.get()
    assert not status.is_failing
    assert status.last_error_kind == FeedErrorKind.HTTP_STATUS  # kept for the admin
    html = client.get(reverse("content:news")).content.decode()
    assert "tidak dapat dihubungi" not in html


def test_without_a_configured_feed_nothing_is_fetched(no_feed):
    result = news_fetch()

    assert result.error_kind == FeedErrorKind.NOT_CONFIGURED
    assert NewsItem.objects.count() == 0


def test_non_http_addresses_are_refused_without_a_request(portal):
    assert news_fetch(url="file:///etc/passwd").error_kind == FeedErrorKind.NOT_CONFIGURED
    assert portal.requests == []
