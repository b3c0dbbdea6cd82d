"""The demo's own news portal, read by the real fetcher over HTTP like a kabupaten portal's."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from layanan.content.models import NewsFeedStatus, NewsItem
from layanan.content.services import news_fetch
from layanan.core.tests.stand_ins import free_port
from layanan.demo.news import ARTICLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_portal(settings, live_server):
    """The demo's portal switched on, and the site configured to read its feed."""
    settings.LDM_DEMO_NEWS = True
    settings.LDM_NEWS_FEED_URL = f"{live_server.url}/demo/berita.xml"
    settings.LDM_NEWS_FEED_KIND = "auto"
    return live_server


def test_the_demo_portal_exists_only_in_the_demo(client, settings):
    settings.LDM_DEMO_NEWS = False

    assert client.get("/demo/berita.xml").status_code == 404
    assert client.get(f"/demo/berita/{ARTICLES[0].slug}/").status_code == 404


def test_the_real_fetcher_reads_the_demo_feed_and_berita_shows_it(demo_portal, client):
    result = news_fetch()

    assert (result.created, result.error_kind) == (len(ARTICLES), "")
    assert NewsFeedStatus.objects.get().feed_kind == "rss"
    items = list(NewsItem.objects.all())
    assert [item.title for item in items] == [article.title for article in ARTICLES]
    assert all(item.title.endswith("(contoh)") for item in items)  # fictional, and says so
    page = client.get("/berita/").content.decode()
    for article in ARTICLES[:3]:
        assert article.title in page
        assert article.summary in page
    assert "Belum ada portal berita yang terhubung" not in page
    # Each item opens its article on the demo's portal, served by the site itself.
    link = items[0].link
    assert link == f"{demo_portal.url}/demo/berita/{ARTICLES[0].slug}/"
    article_page = client.get(urlsplit(link).path)
    assert article_page.status_code == 200
    assert ARTICLES[0].paragraphs[0] in article_page.content.decode()
    # Read again the same day, nothing has changed.
    again = news_fetch()
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(ARTICLES))


def test_make_runs_fetch_stores_the_news_once_the_site_answers(demo_portal):
    out = StringIO()
    call_command("fetch_demo_news", "--wait", "0", stdout=out, stderr=StringIO())

    assert f"{len(ARTICLES)} new" in out.getvalue()
    assert NewsItem.objects.count() == len(ARTICLES)


def test_when_the_site_never_answers_the_fetch_gives_up_and_berita_says_so(settings, client):
    settings.LDM_DEMO_NEWS = True
    settings.LDM_NEWS_FEED_URL = f"http://127.0.0.1:{free_port()}/demo/berita.xml"
    err = StringIO()
    call_command("fetch_demo_news", "--wait", "0", stdout=StringIO(), stderr=err)

    assert "did not answer" in err.getvalue()
    assert "could not be fetched (unreachable)" in err.getvalue()
    assert NewsItem.objects.count() == 0
    assert "Portal berita tidak dapat dihubungi" in client.get("/berita/").content.decode()


def test_without_a_feed_the_fetch_does_nothing(settings):
    settings.LDM_NEWS_FEED_URL = ""
    out = StringIO()
    call_command("fetch_demo_news", stdout=out)

    assert "nothing fetched" in out.getvalue()
    assert not NewsFeedStatus.objects.exists()
