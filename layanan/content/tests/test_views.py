"""The public pages: Berita, Informasi Desa, Panduan and the home page's public information."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from layanan.content import guide
from layanan.content.models import FeedErrorKind, NewsFeedStatus, NewsItem
from layanan.content.services import news_fetch
from layanan.content.tests.factories import AnnouncementFactory, NewsItemFactory
from layanan.core.tests.html import without_enhancement
from layanan.regions.models import VillageOffice

pytestmark = pytest.mark.django_db

PUBLIC = ["content:news", "content:village-info", "content:guide"]


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Berita ----------------------------------------------------------------------------------


def test_news_is_paged_newest_first_and_links_out_to_the_portal(client, portal):
    NewsItemFactory.create_batch(25)
    newest = NewsItem.objects.first()
    assert newest is not None
    NewsFeedStatus.objects.create(last_success_at=timezone.now())

    first = _html(client, reverse("content:news"))
    third = _html(client, reverse("content:news") + "?page=3")

    assert first.count('class="news-item') == 10
    assert third.count('class="news-item') == 5
    assert newest.title in first
    assert f'<a href="{newest.link}" rel="noopener noreferrer external">' in first
    assert "?page=2" in first


def test_the_news_page_says_so_when_no_feed_is_configured(client, no_feed):
    html = _html(client, reverse("content:news"))

    assert "Belum ada portal berita yang terhubung" in html


def test_the_news_page_says_so_before_the_first_fetch(client, portal):
    html = _html(client, reverse("content:news"))

    assert "Belum ada berita yang diterima dari portal berita" in html


def test_the_news_page_names_the_time_since_when_the_portal_fails(client, portal, settings):
    news_fetch()
    settings.LDM_NEWS_FEED_URL = portal.url("/error.xml")
    news_fetch()
    status = NewsFeedStatus.objects.get()

    html = _html(client, reverse("content:news"))

    since = timezone.localtime(status.failing_since).strftime("%H.%M")
    assert "Portal berita tidak dapat dihubungi" in html
    assert since in html
    assert "Bupati meresmikan jembatan desa" in html


def test_a_portal_that_never_answered_is_reported_with_no_news(client, portal, settings):
    settings.LDM_NEWS_FEED_URL = portal.url("/error.xml")
    news_fetch()

    html = _html(client, reverse("content:news"))

    assert "Portal berita tidak dapat dihubungi" in html
    assert "Belum ada berita yang diterima darinya" in html


def test_scripts_in_feed_summaries_never_reach_a_page(client, portal):
    news_fetch()
    news_fetch(url=portal.url("/atom.xml"))
    news_fetch(url=portal.url("/wp-json/wp/v2/posts"))
    assert NewsItem.objects.count() == 7

    for url in (reverse("content:news"), reverse("content:home")):
        html = _html(client, url)
        assert "<script" not in without_enhancement(html), url
        assert "onerror" not in html, url
        assert "javascript:" not in html, url
    html = _html(client, reverse("content:news"))
    assert "Sebanyak 248 operator desa mengikuti pelatihan." in html


def test_a_summary_that_is_text_about_a_script_is_shown_escaped(client):
    NewsItemFactory(summary='Kode <script>alert("x")</script> ditampilkan sebagai teks.')

    html = _html(client, reverse("content:news"))

    assert "<script" not in without_enhancement(html)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_portal_images_are_not_loaded_from_elsewhere(client, portal):
    news_fetch()

    for url in (reverse("content:news"), reverse("content:home")):
        html = _html(client, url)
        assert "jembatan.jpg" not in html
        for src in re.findall(r'src="([^"]+)"', html):
            assert not src.startswith(("http://", "https://", "//")), src


# --- Home ------------------------------------------------------------------------------------


def test_the_home_page_shows_the_latest_three_news_and_current_announcements(client, batang):
    items = NewsItemFactory.create_batch(5)
    AnnouncementFactory(title="Pengumuman yang berlaku")
    AnnouncementFactory(
        title="Pengumuman yang berakhir",
        publish_on=timezone.localdate().replace(year=2020),
        expires_on=timezone.localdate().replace(year=2021),
    )

    html = _html(client, reverse("content:home"))

    for item in items[:3]:
        assert item.title in html
    for item in items[3:]:
        assert item.title not in html
    assert "Pengumuman yang berlaku" in html
    assert "Pengumuman yang berakhir" not in html


def test_the_home_page_works_without_any_public_information(client, no_feed):
    html = _html(client, reverse("content:home"))

    assert "Tidak ada pengumuman saat ini." in html


# --- Informasi Desa: Website Desa -------------------------------------------------------------


def test_the_directory_lists_the_15_kecamatan_of_batang_and_marks_villages_without_a_site(
    client, batang
):
    VillageOffice.objects.create(village_id="33.25.11.1015", website="kauman.desa.example")
    VillageOffice.objects.create(village_id="33.25.11.2004", website="javascript:alert(1)")

    html = _html(client, reverse("content:village-info"))

    groups = re.findall(r'<details class="website-group[^"]*" id="kecamatan-([0-9.]+)"', html)
    assert len(groups) == 15
    assert "33.25.11" in groups
    assert (
        '<a href="https://kauman.desa.example/" rel="noopener noreferrer external">'
        "kauman.desa.example</a>" in html
    )
    # Not a web address: shown as text, never as a link.
    assert 'href="javascript:' not in html
    assert html.count('class="text-body-secondary no-website"') == 248 - 2
    # Counted per kecamatan; text that is not a web address does not count as a site.
    assert "1 dari 21 desa/kelurahan memiliki website" in html


# --- Panduan -----------------------------------------------------------------------------------


def test_the_guide_lists_pages_for_residents_and_staff(client):
    html = _html(client, reverse("content:guide"))

    for page in guide.PAGES:
        assert reverse("content:guide-page", kwargs={"slug": page.slug}) in html
    assert {page.audience for page in guide.PAGES} == {"warga", "petugas"}


@pytest.mark.parametrize("page", guide.PAGES, ids=lambda p: p.slug)
def test_every_guide_page_answers_in_indonesian_with_its_screenshots(client, page):
    html = _html(client, reverse("content:guide-page", kwargs={"slug": page.slug}))

    assert str(page.title) in html
    for section in page.sections:
        if section.shot is None:
            continue
        assert section.shot.exists, f"run `make panduan-screenshots` ({section.shot.name})"
        assert f'src="/static/{section.shot.desktop}"' in html
        assert f'srcset="/static/{section.shot.phone}"' in html
        assert f'alt="{section.shot.alt}"' in html
        assert 'loading="lazy"' in html


def test_the_guide_is_written_in_indonesian(client):
    html = _html(client, reverse("content:guide-page", kwargs={"slug": "registrasi-dan-masuk"}))

    assert "Konfirmasi email" in html
    assert "Kode Keamanan" in html


def test_an_unknown_guide_page_is_not_found(client):
    assert (
        client.get(reverse("content:guide-page", kwargs={"slug": "tidak-ada"})).status_code == 404
    )


def test_the_screenshots_stay_small():
    total = sum(path.stat().st_size for path in guide.SCREENSHOT_DIR.glob("*.png"))

    assert total < 3.5 * 1024 * 1024


# --- Every public page ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_work_without_javascript_and_load_nothing_from_elsewhere(
    client, batang, name, no_feed
):
    NewsItemFactory.create_batch(3)
    AnnouncementFactory()

    html = _html(client, reverse(name))

    assert "<script" not in without_enhancement(html)
    for url in re.findall(r'(?:src|srcset)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheets  # the page has one, so the pattern must find it
    for stylesheet in stylesheets:
        assert stylesheet.startswith("/static/"), stylesheet


def test_the_not_configured_kind_reads_well_for_the_admin():
    assert FeedErrorKind.NOT_CONFIGURED.label
