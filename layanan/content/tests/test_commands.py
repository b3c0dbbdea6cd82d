"""The fetch_news command, on demand and from the scheduled task."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from layanan.content.models import NewsFeedStatus, NewsItem
from layanan.content.tasks import fetch_news

pytestmark = pytest.mark.django_db


def test_fetch_news_imports_the_configured_feed(portal):
    out = StringIO()

    call_command("fetch_news", stdout=out)

    assert "3 new, 0 updated, 0 unchanged" in out.getvalue()
    assert NewsItem.objects.count() == 3


def test_fetch_news_takes_another_address_and_kind(portal):
    out = StringIO()

    call_command("fetch_news", url=portal.url("/atom.xml"), kind="atom", stdout=out)

    assert "2 new" in out.getvalue()


def test_fetch_news_fails_loudly_but_keeps_the_news(portal, settings):
    call_command("fetch_news", stdout=StringIO())
    settings.LDM_NEWS_FEED_URL = portal.url("/error.xml")

    with pytest.raises(CommandError, match="http_status"):
        call_command("fetch_news", stdout=StringIO())

    assert NewsItem.objects.count() == 3


def test_fetch_news_without_a_feed_says_so(no_feed):
    out = StringIO()

    call_command("fetch_news", stdout=out)

    assert "No news feed is configured" in out.getvalue()


def test_the_task_fetches(portal):
    assert fetch_news.delay().get() == "3 new, 0 updated"
    assert NewsFeedStatus.objects.get().last_created == 3


def test_the_fetch_now_button_runs_the_task(client, portal, district_admin):
    client.force_login(district_admin)

    response = client.post(reverse("content:staff-news-fetch"), follow=True)

    assert NewsItem.objects.count() == 3
    html = response.content.decode()
    assert portal.url("/rss.xml") in html
    assert "3 baru, 0 diperbarui" in html


def test_the_beat_schedule_fetches_news(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["fetch-news"]

    assert entry["task"] == "layanan.content.tasks.fetch_news"
    assert entry["schedule"] == settings.LDM_NEWS_FETCH_MINUTES * 60
