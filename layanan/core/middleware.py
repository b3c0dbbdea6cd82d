"""Middleware of the deployment: a 503 page when the database is gone, and a short-lived
cache of public pages for visitors who are not logged in.

**The database is gone** (refused, timed out: ``OperationalError``, ``InterfaceError``): the
page answers 503 at once with a "service temporarily disturbed" page that needs no database
(no context processors, no session), wherever the error arose: in the view, in its template,
or in a middleware (the session saved on the way out). The connect and statement timeouts
of settings bound how long finding out takes.

**Public pages from the cache.** The home page, the catalogue and the verification page
behind a QR code are the same for every anonymous visitor and are what a crowd opens at once
(a link shared in a village WhatsApp group, a QR code checked at a bank counter). For those
pages only, listed with their lifetime in ``settings.LDM_PUBLIC_PAGE_CACHE`` (URL name ->
seconds), a visitor without a session gets the page from the cache, with the headers it was
made with (CSP, frame and referrer policies), before sessions, CSRF and the view are ever
touched.

What is never cached: requests that carry any cookie but the CSRF one (a logged-in user, a
flash message, a started form) or a query string, other methods than GET, and responses that
are not a plain 200 or that set a cookie. Lifetimes are short, so that an edit by the Admin
Kabupaten or a revoked letter shows within seconds without any invalidation.
"""

import hashlib
import logging
import sys

from csp.utils import build_policy
from django.conf import settings
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)

KEY_PREFIX = "ldm:page:"
DATABASE_GONE = (OperationalError, InterfaceError)
# Noted on a request whose handling failed on the database outside the view.
_DATABASE_FAILED = "_ldm_database_failed"
# Seconds a browser or a proxy is told to wait before trying again.
RETRY_AFTER = 30


def database_unavailable_response() -> HttpResponse:
    """The 503 page: rendered without a request, so without context processors or queries."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Outside django-csp's middleware when the error came from a middleware: the same policy.
    response["Content-Security-Policy"] = build_policy()
    return response


@receiver(got_request_exception)
def _note_database_failure(sender, request=None, **kwargs) -> None:
    """Django turns an exception of a middleware into a 500 page; note the database's."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_GONE):
        setattr(request, _DATABASE_FAILED, True)


class DatabaseUnavailableMiddleware:
    """503 instead of 500 when the database is gone (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _DATABASE_FAILED, False):
            return database_unavailable_response()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_GONE):
            return None
        # Only the error's type: its text names the database's host.
        logger.error("database unavailable (%s): answered 503", type(exception).__name__)
        return database_unavailable_response()


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lifetime = self._lifetime(request)
        if not lifetime:
            return self.get_response(request)
        key = KEY_PREFIX + hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            status, headers, content = cached
            return HttpResponse(content, status=status, headers=headers)
        response = self.get_response(request)
        if _cacheable(response):
            cache.set(
                key, (response.status_code, dict(response.items()), response.content), lifetime
            )
        return response

    @staticmethod
    def _lifetime(request: HttpRequest) -> int:
        pages = settings.LDM_PUBLIC_PAGE_CACHE
        # A query string is never cached: random ones would fill the cache with copies.
        if not pages or request.method != "GET" or request.META.get("QUERY_STRING"):
            return 0
        if set(request.COOKIES) - {settings.CSRF_COOKIE_NAME}:
            return 0
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return 0
        return pages.get(match.view_name, 0)


def _cacheable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Set-Cookie")
    )
