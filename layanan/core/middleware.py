"""Middleware of the deployment: a 503 page when the database is gone, a short-lived
cache of public pages for visitors who are not logged in, a 400 for characters no database
column can hold (``InvalidCharactersMiddleware``), and ``Cache-Control: no-store`` on every
answer to a logged-in user (``PrivatePagesNoStoreMiddleware``).

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

**Bounded requests.** A body larger than ``settings.LDM_REQUEST_MAX_BYTES`` is refused from
its Content-Length with a 413 page, before a byte of it is read; a body that does not say its
length (``Transfer-Encoding: chunked``) with a 411 page, unread too (WSGI gives Django no
way to bound it, so Django would read none of it anyway). gunicorn then closes the
connection, draining at most 64 KB of what is still coming. The upload handler
(layanan.core.upload_handlers) stops a body that turns out larger than its Content-Length
said, without draining it, and the page is the same 413.
"""

import hashlib
import logging
import re
import sys
from urllib.parse import unquote_to_bytes

from csp.utils import build_policy
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from layanan.core.upload_handlers import TOO_LARGE_FLAG

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


def request_too_large_response(*, length_required: bool = False) -> HttpResponse:
    """The 413 page (411 for a body of unknown length): without a request, like the 503."""
    megabyte = 1024 * 1024
    context = {
        "limit_mb": settings.LDM_REQUEST_MAX_BYTES // megabyte,
        "file_limit_mb": settings.LDM_UPLOAD_MAX_BYTES // megabyte,
        "length_required": length_required,
    }
    content = render_to_string("413.html", context)
    response = HttpResponse(content, status=411 if length_required else 413)
    response["Cache-Control"] = "no-store"
    # Outside django-csp's and the clickjacking middleware: their headers, set here.
    response["Content-Security-Policy"] = build_policy()
    response["X-Frame-Options"] = "DENY"
    return response


class RequestSizeLimitMiddleware:
    """413 before reading a body that is too large (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared and request.META.get("HTTP_TRANSFER_ENCODING"):
            return request_too_large_response(length_required=True)
        try:
            length = int(declared or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it cannot parse
        if length > settings.LDM_REQUEST_MAX_BYTES:
            logger.info("request body of %s bytes refused (413)", length)
            return request_too_large_response()
        response = self.get_response(request)
        if getattr(request, TOO_LARGE_FLAG, False):
            return request_too_large_response()
        return response


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


# --- Input the database cannot hold ----------------------------------------------------------

# A NUL character (PostgreSQL's text refuses it: a query with one fails with a 500) or a lone
# surrogate (it has no UTF-8 form, so no driver can send it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def invalid_input_response(*, with_csp: bool = True) -> HttpResponse:
    """The 400 page: rendered without a request, like the 503 one."""
    response = HttpResponseBadRequest(render_to_string("400.html"))
    response["Cache-Control"] = "no-store"
    if with_csp:  # outside django-csp's middleware
        response["Content-Security-Policy"] = build_policy()
    return response


def _text_is_clean(raw: bytes, encoding: str = "utf-8") -> bool:
    """Whether bytes are valid text of ``encoding`` without NUL or surrogates."""
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return not _UNSTORABLE.search(text)


def _encoded_text_is_clean(raw: bytes, encoding: str = "utf-8") -> bool:
    """The same of a query string or an urlencoded body, once its %XX are decoded."""
    return _text_is_clean(unquote_to_bytes(raw.replace(b"+", b" ")), encoding)


def _values_are_clean(values) -> bool:
    return not any(_UNSTORABLE.search(value) for value in values if isinstance(value, str))


class InvalidCharactersMiddleware:
    """400 for a NUL character or a lone surrogate anywhere in the path, the query string, a
    cookie or a form field (urlencoded or multipart: field names and values, never file
    contents), and for bytes that are not UTF-8 in the query string or an urlencoded form,
    before any view or query sees them. (In the path and in multipart fields Django itself
    turns such bytes into harmless text: "%FF", U+FFFD; it drops them from file names.)

    The path, query and cookies are checked first thing; form fields in ``process_view``,
    once every middleware in front (size limits) had its say, as CSRF reads them anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if not (
            # Django has decoded the path already (bytes that are not UTF-8 stay as the text
            # "%XX", harmless); the query string is still raw.
            _values_are_clean([request.path_info])
            and _encoded_text_is_clean(get_bytes_from_wsgi(meta, "QUERY_STRING", ""))
            and _values_are_clean([*request.COOKIES, *request.COOKIES.values()])
        ):
            logger.info("refused invalid characters in the address or a cookie: answered 400")
            return invalid_input_response()
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if (
            request.method not in ("POST", "PUT", "PATCH")
            or request.content_type not in _FORM_TYPES
        ):
            return None
        if request.content_type == "application/x-www-form-urlencoded":
            clean = _encoded_text_is_clean(
                request.body, request.encoding or settings.DEFAULT_CHARSET
            )
        else:
            clean = _values_are_clean(
                [*request.POST, *(v for values in request.POST.lists() for v in values[1])]
            )
        if clean:
            return None
        logger.info("refused invalid characters in a form: answered 400")
        return invalid_input_response(with_csp=False)


# --- No copies of personal pages -------------------------------------------------------------


class PrivatePagesNoStoreMiddleware:
    """Every answer to a logged-in user shows their data, or their residents': browsers and
    proxies are told to keep no copy (``Cache-Control: no-store``), unless the view chose its
    own caching. Anonymous visitors' pages (and their public page cache) are not touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
