"""The permission matrix of the Admin Kabupaten's public-information pages."""

import pytest
from django.urls import reverse

from layanan.content.models import Announcement
from layanan.content.tests.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db

# Columns: a subset of the root conftest's actors.
COLUMNS = ("anonymous", "owner", "operator", "head", "admin")

GETS = {
    "content:staff-announcements": [302, 403, 403, 403, 200],
    "content:staff-announcement-create": [302, 403, 403, 403, 200],
    "content:staff-announcement-edit": [302, 403, 403, 403, 200],
    "content:staff-announcement-delete": [302, 403, 403, 403, 200],
    "content:staff-websites": [302, 403, 403, 403, 200],
    "content:staff-news": [302, 403, 403, 403, 200],
}
POSTS = {
    "content:staff-announcement-delete": [302, 403, 403, 403, 302],
    "content:staff-news-fetch": [302, 403, 403, 403, 302],
}
WITH_PK = {"content:staff-announcement-edit", "content:staff-announcement-delete"}


def _url(name: str, announcement) -> str:
    if name in WITH_PK:
        return reverse(name, kwargs={"pk": announcement.pk})
    return reverse(name)


@pytest.mark.parametrize("name", GETS)
def test_pages(client, actors, log_in_as, name, no_feed):
    announcement = AnnouncementFactory()
    statuses = []
    for actor in COLUMNS:
        log_in_as(actors[actor])
        statuses.append(client.get(_url(name, announcement)).status_code)

    assert statuses == GETS[name]


@pytest.mark.parametrize("name", POSTS)
def test_actions(client, actors, log_in_as, name, no_feed):
    statuses = []
    for actor in COLUMNS:
        announcement = AnnouncementFactory()
        log_in_as(actors[actor])
        statuses.append(client.post(_url(name, announcement)).status_code)

    assert statuses == POSTS[name]
    if name == "content:staff-announcement-delete":
        assert Announcement.objects.count() == len(COLUMNS) - 1  # only the admin's is gone


def test_anonymous_visitors_are_sent_to_the_staff_login(client):
    response = client.get(reverse("content:staff-announcements"))

    assert response["Location"].startswith(reverse("accounts:staff-login"))


def test_the_menu_shows_the_entries_to_the_district_admin_only(client, operator, district_admin):
    client.force_login(operator)
    assert (
        reverse("content:staff-announcements")
        not in client.get(reverse("backoffice:dashboard")).content.decode()
    )

    client.force_login(district_admin)
    html = client.get(reverse("backoffice:dashboard")).content.decode()
    for name in ("content:staff-announcements", "content:staff-websites", "content:staff-news"):
        assert reverse(name) in html
