"""Robust input: characters no database column can hold (a NUL, a lone surrogate, bytes that
are not UTF-8) anywhere in an address, a query, a cookie or a form give 400 (or 404), never
a 500, on PostgreSQL too, whose text type refuses NUL (run this file with DATABASE_URL
pointing at PostgreSQL, as `.ci/run` does).

The fuzz walks every URL pattern of the resolver: each parameter of its path in turn, then
its query string and its form fields (urlencoded and multipart), with GET and POST, as an
anonymous visitor, a resident, an operator and the district admin.
"""

import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from layanan.core.tests.test_security import MATRIX, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

# Refused before any view runs: 400 (in a path: a NUL; the rest is text to Django there).
REFUSED_VALUES = ["%00", "ab%00cd", "%ED%A0%80", "%FF%FE"]
REFUSED_IN_PATH = ["%00", "ab%00cd"]
# Let through, and then the views' own business: anything but a 500.
ODD_VALUES = ["9" * 25, "%27%22%3C%3E%3B--%2F..", "x" * 300, "%C2%A0%E2%80%AE"]
# The names the views read from query strings and forms (request.GET/POST and their forms).
FIELD_NAMES = [
    "q",
    "district",
    "kecamatan",
    "status",
    "jenis",
    "page",
    "next",
    "dari",
    "sampai",
    "desa",
    "nonaktif",
    "identifier",
    "password",
    "email",
    "code",
    "token",
    "captcha",
    "full_name",
    "nik",
    "address",
    "reason",
    "passphrase",
    "letters",
    "keperluan",
]
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
ACTORS = ("anonymous", "owner", "operator", "admin")


def _patterns(patterns=None, prefix="", namespace=None):
    """(URL name, route) of every pattern, included ones with their prefix."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


def _path(route: str, arguments: dict, fuzz: tuple[str, str] | None = None) -> str:
    """The route with its parameters filled: the real objects' values, one of them fuzzed
    (``fuzz`` is the parameter's name and its already percent-encoded value)."""

    def fill(match: re.Match) -> str:
        name = match["name"]
        if fuzz is not None and name == fuzz[0]:
            return fuzz[1]
        return quote(str(arguments.get(name, "1")), safe="")

    return "/" + PARAMETER.sub(fill, route)


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


class Walk:
    """Sends requests as one actor and notes every answer that is not what it should be."""

    def __init__(self, user) -> None:
        self.user = user
        self.client = _client(user)
        self.wrong: list[tuple[str, str, int]] = []
        self.sent = 0

    def send(self, method: str, url: str, *, refused: bool, **kwargs) -> None:
        response = getattr(self.client, method)(url, **kwargs)
        self.sent += 1
        ok = response.status_code in (400, 404) if refused else response.status_code < 500
        if not ok:
            self.wrong.append((method, url[:120], response.status_code))
        # A POST may have ended the session (logging out, a password reset): log in again.
        if self.user is not None and "_auth_user_id" not in self.client.session:
            self.client = _client(self.user)


@pytest.mark.parametrize("actor", ACTORS)
def test_no_url_pattern_answers_500_to_invalid_characters(world, actor):  # noqa: F811
    arguments_by_key, people = world
    walk = Walk(people[actor])
    for name, route in _patterns():
        # A pattern another change is adding may have no row yet: "1" for its parameters.
        arguments = arguments_by_key.get(MATRIX.get(name, (None,))[0], {})
        methods = ["get"] if name == "accounts:logout" else ["get", "post"]
        for match in PARAMETER.finditer(route):
            for value in REFUSED_VALUES + ODD_VALUES:
                url = _path(route, arguments, (match["name"], value))
                for method in methods:
                    walk.send(method, url, refused=value in REFUSED_IN_PATH)
        url = _path(route, arguments)
        for value in REFUSED_VALUES + ODD_VALUES:
            refused = value in REFUSED_VALUES
            query = "&".join(f"{field}={value}" for field in FIELD_NAMES)
            walk.send("get", f"{url}?{query}", refused=refused)
            if "post" not in methods:
                continue
            walk.send(
                "post",
                url,
                data="&".join(f"{field}={value}" for field in FIELD_NAMES),
                content_type="application/x-www-form-urlencoded",
                refused=refused,
            )
        # Multipart, the test client's default: Django decodes its fields itself, bytes that
        # are not UTF-8 becoming U+FFFD (storable, so let through); a NUL is refused.
        for text, refused in (("Desa\x00Kauman", True), (b"Desa\xed\xa0\x80\xff", False)):
            fields = dict.fromkeys(FIELD_NAMES, text)
            for method in methods[1:]:
                walk.send(method, url, data=fields, refused=refused)

    assert walk.sent > 1000
    assert walk.wrong == []


@pytest.mark.parametrize(
    "url",
    [
        "/wilayah/desa/?district=%00",
        "/v/ab%00cd/",
        "/riwayat/?q=%00",
        "/riwayat/?q=%FF",
        "/riwayat/?q=%ED%A0%80",
        "/riwayat/%00/",
        "/petugas/permohonan/?q=ab%00",
    ],
)
def test_the_reported_addresses_answer_400(resident, url):
    client = _client(resident)

    response = client.get(url)

    assert response.status_code == 400
    assert '<a href="/">' in response.content.decode()  # the page of 400.html
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_form_field_with_a_nul_changes_nothing(resident):
    client = _client(resident)
    profile = resident.profile
    before = profile.address

    for data in (
        {"address": "Jl. Pemuda\x00 1", "phone": "0812"},
        {"address": "Jl. Pemuda 1", "rt": "001\x00"},
    ):
        assert client.post("/profil/ubah/", data).status_code == 400
        assert (
            client.post(
                "/profil/ubah/",
                "&".join(f"{k}={quote(v)}" for k, v in data.items()),
                content_type="application/x-www-form-urlencoded",
            ).status_code
            == 400
        )
    # Django drops what is not printable from a file's name itself: no 500 either.
    upload = SimpleUploadedFile("ktp\x00.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    assert client.post("/profil/ubah/", {"ktp": upload}).status_code < 500
    profile.refresh_from_db()
    assert profile.address == before


def test_a_nul_in_a_cookie_is_refused(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"

    assert client.get("/").status_code == 400


def test_ordinary_text_goes_through(client, resident):
    """Indonesian and other non-ASCII text, '+' and a '%' typed as such are not refused."""
    assert client.get("/layanan/?q=Surat+Keterangan%20%C3%A9%E2%9C%93").status_code == 200
    assert client.get("/v/ab%2500cd/").status_code == 404  # the text "%00", not a NUL
    client.force_login(resident)
    assert client.get("/riwayat/?q=Domisili%20Usaha%C2%A0").status_code == 200
    response = client.post("/profil/ubah/", {"address": "Jl. Diponegoro No. 7 — Kauman ✓"})
    assert response.status_code in (200, 302)
