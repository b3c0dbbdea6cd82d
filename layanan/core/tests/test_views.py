import re

import pytest
from django.urls import reverse

from layanan.core.tests.html import without_enhancement

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "content:home",
    "letters:catalogue",
    "content:news",
    "content:village-info",
    "content:guide",
    "accounts:login",
    "accounts:register",
    "core:attribution",
]


def test_home_shows_the_guide_menu_in_indonesian(client, batang, catalogue):
    response = client.get(reverse("content:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id">' in html
    menu = ["Beranda", "Layanan", "Berita", "Informasi Desa", "Panduan", "Masuk", "Registrasi"]
    positions = [html.index(f"{label}</a>") for label in menu]
    assert positions == sorted(positions)
    assert "Kabupaten Batang" in html
    assert "Surat Keterangan Domisili" in html


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_menu_page_answers(client, batang, catalogue, name):
    assert client.get(reverse(name)).status_code == 200


def test_news_without_a_portal_says_so_honestly(client):
    html = client.get(reverse("content:news")).content.decode()

    assert "Belum ada portal berita yang terhubung" in html


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_pages_work_without_javascript_and_load_nothing_from_elsewhere(
    client, batang, catalogue, name
):
    html = client.get(reverse(name)).content.decode()

    assert "<script" not in without_enhancement(html)
    # Every stylesheet, image and script is served by the site itself.
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(url.startswith("/static/") for url in urls)  # the pattern still finds them
    for url in urls:
        assert not url.startswith(("http://", "https://", "//")), url


def test_menu_opens_without_javascript(client):
    html = client.get(reverse("content:home")).content.decode()

    assert '<input type="checkbox" id="nav-toggle"' in html
    assert '<label for="nav-toggle" class="navbar-toggler"' in html


@pytest.mark.parametrize(
    ("who", "path", "lit"),
    [
        (None, "/", "/"),
        (None, "/layanan/", "/layanan/"),
        (None, "/layanan/sk-domisili/", "/layanan/"),
        (None, "/panduan/profil/", "/panduan/"),
        ("resident", "/riwayat/", None),
        ("operator", "/petugas/permohonan/", None),
        ("operator", "/petugas/permohonan/baru/", None),
    ],
)
def test_the_main_menu_marks_the_public_page_shown_and_no_other(
    client, batang, catalogue, resident, operator, who, path, lit
):
    # Staff and resident pages share the letters namespace with the catalogue.
    if who is not None:
        client.force_login({"resident": resident, "operator": operator}[who])
    html = client.get(path).content.decode()
    menu = html[html.index('id="menu-utama"') : html.index("</ul>", html.index('id="menu-utama"'))]

    marked = re.findall(r'active" aria-current="page" href="([^"]+)"', menu)
    assert marked == ([lit] if lit else [])


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/tidak-ada/")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()


def test_static_assets_are_served_locally(client):
    response = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")

    assert response.status_code == 200
    assert b"Bootstrap" in b"".join(response.streaming_content)[:200]
