"""Reads of public information for the public pages, the home page and the back office."""

from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from layanan.content.models import Announcement, NewsFeedStatus, NewsItem
from layanan.content.services import STATUS_ID
from layanan.content.websites import website_href
from layanan.regions.models import District, Village
from layanan.regions.selectors import districts_of_deployment

HOME_NEWS = 3
HOME_ANNOUNCEMENTS = 5


def news_items() -> QuerySet[NewsItem]:
    return NewsItem.objects.all()


@dataclass(frozen=True)
class NewsFeedState:
    """What a page may honestly say about the news feed."""

    configured: bool
    status: NewsFeedStatus | None

    @property
    def failing(self) -> bool:
        return self.configured and self.status is not None and self.status.is_failing

    @property
    def never_fetched(self) -> bool:
        return self.configured and (self.status is None or self.status.last_success_at is None)


def news_feed_state() -> NewsFeedState:
    return NewsFeedState(
        configured=bool(settings.LDM_NEWS_FEED_URL.strip()),
        status=NewsFeedStatus.objects.filter(id=STATUS_ID).first(),
    )


def announcements_current() -> QuerySet[Announcement]:
    """Pengumuman shown today (Asia/Jakarta): pinned first, newest first."""
    return Announcement.objects.current(timezone.localdate())


def announcement_public(slug: str) -> Announcement | None:
    return announcements_current().filter(slug=slug).first()


def announcements_for_admin() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("created_by").order_by("-publish_on", "-id")


class HomeContent(TypedDict):
    home_news: list[NewsItem]
    home_announcements: list[Announcement]


def home_content() -> HomeContent:
    """The home page's public information: the latest news and the current Pengumuman."""
    return {
        "home_news": list(news_items()[:HOME_NEWS]),
        "home_announcements": list(announcements_current()[:HOME_ANNOUNCEMENTS]),
    }


# --- Website Desa ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageWebsite:
    village: Village
    website: str
    href: str


@dataclass(frozen=True)
class DistrictWebsites:
    district: District
    villages: list[VillageWebsite]

    @property
    def with_site(self) -> int:
        return sum(1 for v in self.villages if v.href)


def website_directory(districts: QuerySet[District] | None = None) -> list[DistrictWebsites]:
    """The villages of the kabupaten with their website, grouped by kecamatan (guide §3)."""
    shown = list(districts if districts is not None else districts_of_deployment())
    villages = (
        Village.objects.filter(district__in=shown)
        .select_related("office")
        .order_by("district__name", "name", "code")
    )
    by_district: dict[str, list[VillageWebsite]] = {d.code: [] for d in shown}
    for village in villages:
        office = getattr(village, "office", None)
        website = office.website.strip() if office else ""
        by_district[village.district_id].append(
            VillageWebsite(village=village, website=website, href=website_href(website))
        )
    return [DistrictWebsites(district=d, villages=by_district[d.code]) for d in shown]
