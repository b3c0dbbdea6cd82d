"""Logged-in browser contexts without going through the login form (for page checks)."""

from django.conf import settings
from django.test import Client


def login_context(browser, live_server, user, **options):
    """A browser context carrying a session of ``user`` made by Django's test client."""
    client = Client()
    client.force_login(user)
    options.setdefault("locale", "id-ID")
    context = browser.new_context(base_url=live_server.url, **options)
    host = live_server.url.split("://", 1)[1].split(":", 1)[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context


def off_the_event_loop(function, /, **kwargs):
    """Run code that uses asyncio itself (pyHanko signing) outside Playwright's loop."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
