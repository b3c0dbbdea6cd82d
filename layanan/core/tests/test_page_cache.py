"""Public pages from the cache for anonymous visitors only (production turns it on)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = {"content:home": 60, "letters:catalogue": 60, "verification:letter": 10}


@pytest.fixture
def page_cache(settings):
    settings.LDM_PUBLIC_PAGE_CACHE = PAGES


def test_an_anonymous_visitor_gets_the_page_from_the_cache(
    client, batang, catalogue, page_cache, django_assert_num_queries
):
    first = client.get(reverse("content:home"))

    with django_assert_num_queries(0):
        second = client.get(reverse("content:home"))

    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"


def test_a_logged_in_user_never_gets_a_cached_page(client, batang, catalogue, resident, page_cache):
    client.get(reverse("content:home"))  # cached for anonymous visitors
    client.force_login(resident)

    html = client.get(reverse("content:home")).content.decode()

    assert resident.full_name in html


def test_pages_not_listed_are_not_cached(
    client, batang, catalogue, page_cache, django_assert_max_num_queries
):
    client.get(reverse("letters:type-detail", args=["sk-domisili"]))

    with django_assert_max_num_queries(10) as captured:
        client.get(reverse("letters:type-detail", args=["sk-domisili"]))
    assert len(captured.captured_queries) > 0


def test_a_response_that_sets_a_cookie_is_not_cached(client, batang, page_cache, settings):
    settings.LDM_PUBLIC_PAGE_CACHE = {**PAGES, "accounts:login": 60}
    first = client.get(reverse("accounts:login"))  # issues a Kode Keamanan in a new session
    client.cookies.clear()

    second = client.get(reverse("accounts:login"))

    assert first.cookies and second.cookies


def test_the_cache_is_off_unless_configured(
    client, batang, catalogue, settings, django_assert_max_num_queries
):
    assert settings.LDM_PUBLIC_PAGE_CACHE == {}
    client.get(reverse("content:home"))

    with django_assert_max_num_queries(10) as captured:
        client.get(reverse("content:home"))
    assert len(captured.captured_queries) > 0


def test_a_query_string_is_never_cached(
    client, batang, catalogue, page_cache, django_assert_max_num_queries
):
    client.get(reverse("content:home"), {"x": "1"})

    with django_assert_max_num_queries(10) as captured:
        client.get(reverse("content:home"), {"x": "1"})
    assert len(captured.captured_queries) > 0
