"""The installable site: the web app manifest, the service worker and its offline page.

A phone can add the site to its home screen (the manifest and the icons, made once from
``core/favicon.svg``'s design). The service worker keeps public static files and the offline
page, and shows that page when a page cannot be fetched. It never keeps a page, a letter or
an identity document: everything behind a login carries personal data and always comes
from the network, and a phone shared in a family must not show it to the next person.
"""

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

# The site's green (site.css, --ldm-green): the phone's title bar and splash screen.
THEME_COLOUR = "#146c43"
# What every page needs to look right offline (the offline page uses exactly these). Public
# files only: nothing here is ever personal.
PRECACHED_STATIC = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "core/site.css",
    "core/enhance.js",
    "core/favicon.svg",
    "core/icon-192.png",
)
ICONS = (
    ("core/icon-192.png", 192, "any"),
    ("core/icon-512.png", 512, "any"),
    ("core/icon-maskable-512.png", 512, "maskable"),
)


@require_safe
def web_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, named like the site's pages (the kabupaten's short name)."""
    context = {
        "theme_colour": THEME_COLOUR,
        "icons": [
            {"src": static(path), "sizes": f"{size}x{size}", "purpose": purpose}
            for path, size, purpose in ICONS
        ],
    }
    response = render(
        request, "core/manifest.webmanifest", context, content_type="application/manifest+json"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _offline_html() -> str:
    # Rendered without a request, like the standalone error pages: nobody's name in it.
    return render_to_string("core/offline.html")


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when a page cannot be fetched."""
    response = HttpResponse(_offline_html())
    # The same for everyone (nobody's name in it): public, but checked again on each visit.
    response["Cache-Control"] = "public, no-cache"
    return response


def precache_urls() -> list[str]:
    """The URLs the service worker keeps: public static files and the offline page."""
    return [static(path) for path in PRECACHED_STATIC] + [reverse("core:offline")]


def _version() -> str:
    """Changes with any kept file (or the offline page), so browsers install the new worker
    and drop the old cache: also in development, where static names carry no hash."""
    digest = hashlib.sha256(_offline_html().encode())
    for path in PRECACHED_STATIC:
        digest.update(static(path).encode())
        found = finders.find(path)
        if isinstance(found, str):
            digest.update(Path(found).read_bytes())
    return digest.hexdigest()[:16]


_version_kept = functools.cache(_version)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served at the root so that its scope is the whole site."""
    context = {
        "version": _version() if settings.DEBUG else _version_kept(),
        "precache": json.dumps(precache_urls()),
        "offline_url": json.dumps(reverse("core:offline")),
        "network_first": json.dumps(settings.DEBUG),
    }
    response = HttpResponse(
        render_to_string("core/service_worker.js", context),
        content_type="text/javascript; charset=utf-8",
    )
    # Browsers check for a new worker on every visit; they must ask us, not a cache.
    response["Cache-Control"] = "public, no-cache"
    return response
