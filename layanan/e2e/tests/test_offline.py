"""The installable site in a real browser: the service worker shows the Indonesian offline
page when the connection drops, and keeps nothing but public static files and that page."""

from urllib.parse import urlsplit

import pytest

from layanan.e2e.tests.conftest import PHONE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WORKER_READY = "navigator.serviceWorker.ready.then((registration) => !!registration.active)"
# The active worker claims the open page (clients.claim): the moment it does is an event.
IN_CHARGE = """() => navigator.serviceWorker.controller !== null || new Promise((resolve) =>
  navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true}))
"""
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(request.url);
  }
  return urls;
}"""


def _wait_for_the_worker(page) -> None:
    assert page.evaluate(WORKER_READY) is True
    # Active and in charge of this page: the next navigation goes through it.
    assert page.evaluate(IN_CHARGE) is True


def test_without_a_connection_a_page_shows_the_offline_page(open_context, batang, catalogue):
    context = open_context(viewport=PHONE)
    page = context.new_page()
    page.goto("/")
    _wait_for_the_worker(page)

    context.set_offline(True)
    page.goto("/layanan/")

    assert page.locator("h1").inner_text() == "Anda sedang luring"
    assert page.title().startswith("Anda sedang luring")
    assert urlsplit(page.url).path == "/layanan/"  # the address the resident asked for
    # Styled from the worker's cache, with a way back once the connection returns.
    retry = page.get_by_role("link", name="Coba lagi")
    assert retry.evaluate("(link) => getComputedStyle(link).display") == "inline-block"
    context.set_offline(False)
    with page.expect_navigation():
        retry.click()
    assert page.locator("h1").inner_text() != "Anda sedang luring"
    assert urlsplit(page.url).path == "/layanan/"


def test_after_a_residents_pages_the_caches_hold_no_page_of_theirs(
    open_context, live_server, resident
):
    context = open_context(resident, viewport=PHONE)
    page = context.new_page()
    page.goto("/beranda/")
    _wait_for_the_worker(page)
    page.goto("/riwayat/")
    page.goto("/beranda/")

    cached = page.evaluate(CACHED_URLS)

    paths = [urlsplit(url).path for url in cached]
    assert "/luring/" in paths
    assert [path for path in paths if not (path.startswith("/static/") or path == "/luring/")] == []
    assert all(urlsplit(url).netloc == urlsplit(live_server.url).netloc for url in cached)
    offline_page = page.evaluate(
        "caches.match('/luring/', {ignoreVary: true}).then((response) => response.text())"
    )
    assert resident.full_name not in offline_page
