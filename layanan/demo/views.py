"""The demo's own news portal (LDM_DEMO_NEWS): an RSS feed of fictional news and the pages
its items open. The site reads the feed over HTTP with the real fetcher
(layanan.content.feeds), exactly like a kabupaten portal's, so that Berita is not empty in
the demo. Without LDM_DEMO_NEWS (production, the tests) these addresses do not exist.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.views.decorators.http import require_safe

from layanan.demo.news import ARTICLES, demo_article

FEED_TITLE = "Portal Berita Kabupaten (contoh)"
FEED_DESCRIPTION = "Berita fiktif untuk demo Layanan Desa Mandiri."
# Stable across ports and hosts: the same news read from another address is the same news.
GUID_PREFIX = "ldm-demo-berita:"


def _demo_only() -> None:
    if not settings.LDM_DEMO_NEWS:
        raise Http404


@require_safe
def news_feed(request: HttpRequest) -> HttpResponse:
    _demo_only()
    today = timezone.localdate()
    feed = Rss201rev2Feed(
        title=FEED_TITLE,
        link=request.build_absolute_uri(reverse("demo:news-feed")),
        description=FEED_DESCRIPTION,
        language="id",
    )
    for article in ARTICLES:
        feed.add_item(
            title=article.title,
            link=request.build_absolute_uri(article.get_absolute_url()),
            description=article.summary,
            pubdate=article.published_at(today),
            unique_id=GUID_PREFIX + article.slug,
            unique_id_is_permalink=False,
        )
    response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


@require_safe
def news_article(request: HttpRequest, slug: str) -> HttpResponse:
    _demo_only()
    article = demo_article(slug)
    if article is None:
        raise Http404
    return render(
        request,
        "demo/news_article.html",
        {"article": article, "published_at": article.published_at(timezone.localdate())},
    )
