"""The installable site: the web app manifest and its icons, the service worker's list of
what it keeps, and the offline page."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from layanan.core.installable import THEME_COLOUR

pytestmark = pytest.mark.django_db


def _static_file(url: str) -> Path:
    assert url.startswith("/static/"), url
    found = finders.find(url.removeprefix("/static/"))
    assert isinstance(found, str), f"{url} is not a static file"
    return Path(found)


def _precache(client: Client) -> list[str]:
    worker = client.get("/sw.js").content.decode()
    listed = re.search(r"^const PRECACHE = (\[.*\]);$", worker, re.MULTILINE)
    assert listed, worker
    return json.loads(listed.group(1))


def test_the_manifest_names_the_site_in_indonesian_and_its_icons_exist(client, batang):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Layanan Desa Mandiri Kab. Batang"
    assert manifest["short_name"] == "Layanan Desa"
    assert "Kabupaten Batang" in manifest["description"]
    assert manifest["lang"] == "id"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == THEME_COLOUR
    purposes = set()
    for icon in manifest["icons"]:
        width, height = (int(side) for side in icon["sizes"].split("x"))
        with Image.open(_static_file(icon["src"])) as image:
            assert image.format == "PNG"
            assert image.size == (width, height)
        assert icon["type"] == "image/png"
        purposes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= purposes


def test_every_page_links_the_manifest_the_icons_and_the_theme_colour(client, batang):
    page = client.get("/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<meta name="theme-color" content="{THEME_COLOUR}">' in page
    touch_icon = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', page)
    assert touch_icon
    with Image.open(_static_file(touch_icon.group(1))) as image:
        assert image.size == (180, 180)
    # The worker is registered by the one script every page loads, deferred.
    assert '<script src="/static/core/enhance.js" defer></script>' in page
    site_css = _static_file("/static/core/site.css").read_text()
    assert f"--ldm-green: {THEME_COLOUR};" in site_css


def test_the_service_worker_keeps_only_public_static_files_and_the_offline_page(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "public, no-cache"
    assert client.head("/sw.js").status_code == 200
    precache = _precache(client)
    assert "/luring/" in precache
    static = [url for url in precache if url != "/luring/"]
    assert static
    for url in static:
        assert url.startswith("/static/")
        assert _static_file(url).is_file()
    # What the offline page needs to look right is kept with it.
    offline_page = client.get("/luring/").content.decode()
    for url in re.findall(r'href="(/static/[^"]+)"', offline_page):
        assert url in precache


def test_the_service_worker_is_the_same_for_everyone(client, resident):
    anonymous = client.get("/sw.js").content
    client.force_login(resident)

    assert client.get("/sw.js").content == anonymous
    assert _precache(client) == _precache(Client())


def test_the_offline_page_is_indonesian_and_names_nobody(client, resident):
    client.force_login(resident)
    response = client.get("/luring/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "Anda sedang luring" in page
    assert '<a class="btn btn-success" href="">Coba lagi</a>' in page
    assert resident.full_name not in page
    assert resident.username not in page
    assert response["Cache-Control"] == "public, no-cache"
