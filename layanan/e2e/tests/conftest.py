"""Browser tests: Playwright driving Debian's Chromium against the live test server.

The test body and Playwright's event loop share the main thread, so Django's guard against
database calls from async code is lifted for these tests only.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _needs(path: str, what: str) -> None:
    if not (shutil.which(path) or Path(path).exists()):
        if os.environ.get("LDM_REQUIRE_ALL_TOOLS"):
            pytest.fail(f"{what} is required (installed by .ci/run)")
        pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def browser():
    _needs(CHROMIUM, "Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_context(browser, live_server):
    """Browser contexts (separate cookie jars), logged in as ``user`` when one is given.

    All are closed before the live server stops, so no request thread outlives it.
    """
    from layanan.e2e.tests.pages import login_context

    contexts = []

    def make(user=None, **options):
        options = {"viewport": DESKTOP, "locale": "id-ID", **options}
        if user is None:
            context = browser.new_context(base_url=live_server.url, **options)
        else:
            context = login_context(browser, live_server, user, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(open_context):
    """Pages in fresh contexts: one per person in a journey."""

    def make(viewport=DESKTOP):
        return open_context(viewport=viewport, accept_downloads=True).new_page()

    return make


@pytest.fixture
def tour(
    open_context,
    batang,
    catalogue,
    resident,
    operator,
    signing_head,
    head_passphrase,
    district_admin,
    draft,
):
    """Every page of every role with the objects its detail pages need (pages.site_tour)."""
    from layanan.e2e.tests.pages import site_tour

    return site_tour(
        resident=resident,
        operator=operator,
        signing_head=signing_head,
        head_passphrase=head_passphrase,
        district_admin=district_admin,
    )


@pytest.fixture
def shots(request):
    """Save a screenshot of a page at phone and desktop widths, as a test artifact."""
    folder = ARTIFACTS / "screenshots" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, step: str) -> None:
        counter["n"] += 1
        original = page.viewport_size
        for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(path=folder / f"{counter['n']:02d}-{step}-{name}.png", full_page=True)
        page.set_viewport_size(original)

    return take


@pytest.fixture
def axe_script():
    _needs(str(AXE), "axe-core (npm install, run by make test)")
    return AXE.read_text(encoding="utf-8")
