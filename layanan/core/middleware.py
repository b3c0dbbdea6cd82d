"""A short-lived cache of public pages for visitors who are not logged in.

The home page, the catalogue and the verification page behind a QR code are the same for
every anonymous visitor and are what a crowd opens at once (a link shared in a village
WhatsApp group, a QR code checked at a bank counter). For those pages only, listed with
their lifetime in ``settings.LDM_PUBLIC_PAGE_CACHE`` (URL name -> seconds), a visitor
without a session gets the page from the cache, with the headers it was made with (CSP,
frame and referrer policies), before sessions, CSRF and the view are ever touched.

What is never cached: requests that carry any cookie but the CSRF one (a logged-in user, a
flash message, a started form) or a query string, other methods than GET, and responses that
are not a plain 200 or that set a cookie. Lifetimes are short, so that an edit by the Admin
Kabupaten or a revoked letter shows within seconds without any invalidation.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

KEY_PREFIX = "ldm:page:"


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
