"""No copies of pages with personal data: every answer to a logged-in user carries
``Cache-Control: no-store`` (unless the view chose its own), the staff's and the resident's
file downloads too; anonymous visitors' public pages, and their page cache, are untouched."""

import pytest
from django.test import Client
from django.urls import reverse

from layanan.core.tests.test_security import MATRIX, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["owner", "operator", "head", "admin"])
def test_every_page_a_logged_in_user_gets_is_no_store(world, actor):  # noqa: F811
    arguments, people = world
    client = Client()
    client.force_login(people[actor])
    cached = []
    for name, (argument_key, _expected) in sorted(MATRIX.items()):
        if name == "accounts:logout":
            continue
        url = reverse(name, kwargs=arguments.get(argument_key, {}))
        response = client.get(url)
        control = response.get("Cache-Control", "")
        if response.status_code == 200 and "no-store" not in control and "public" not in control:
            cached.append((name, control))

    assert cached == []


def test_the_downloads_are_no_store(world):  # noqa: F811
    arguments, people = world
    staff = Client()
    staff.force_login(people["operator"])
    owner = Client()
    owner.force_login(people["owner"])

    for client, name in (
        (staff, "documents:staff-download"),
        (staff, "documents:preview"),
        (owner, "documents:download"),
    ):
        key = "issued" if name != "documents:preview" else "konsep"
        response = client.get(reverse(name, kwargs=arguments[key]))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name
    document = owner.get(reverse("accounts:own-document", kwargs={"kind": "ktp"}))
    assert "no-store" in document["Cache-Control"]


def test_public_pages_of_anonymous_visitors_keep_their_caching(client, settings, catalogue):
    settings.LDM_PUBLIC_PAGE_CACHE = {"letters:catalogue": 60}

    first = client.get(reverse("letters:catalogue"))
    second = client.get(reverse("letters:catalogue"))

    for response in (first, second):
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
