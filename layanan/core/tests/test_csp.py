"""The Content Security Policy is sent on every page, and the pages really satisfy it:
no inline script, no inline style, no event-handler attribute, nothing from elsewhere."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-src": ["'self'"],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        policy[name] = values
    return policy


def _same_origin(url: str) -> bool:
    """A path on this site ("/static/..."), not another host ("https://...", "//host/...")."""
    return url.startswith("/") and not url.startswith("//")


class InlineContentFinder(HTMLParser):
    """Collects what a strict policy (no 'unsafe-inline', only 'self') would block."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            source = attributes.get("src")
            if not source:
                self._in_script = True
            elif not _same_origin(source):
                self.problems.append(f"script from elsewhere: {source}")
        stylesheet = tag == "link" and "stylesheet" in (attributes.get("rel") or "")
        if stylesheet and not _same_origin(attributes.get("href") or ""):
            self.problems.append(f"stylesheet from elsewhere: {attributes.get('href')}")
        for name in ("href", "src", "action"):
            value = (attributes.get(name) or "").strip().lower()
            if value.startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name} of <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline <script>")


def assert_satisfies_policy(response):
    assert response.status_code == 200, response
    assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
    assert "Content-Security-Policy-Report-Only" not in response
    finder = InlineContentFinder()
    finder.feed(response.content.decode())
    assert finder.problems == []


PUBLIC_PAGES = [
    ("content:home", {}),
    ("letters:catalogue", {}),
    ("letters:type-detail", {"code": "sk-domisili"}),
    ("accounts:login", {}),
    ("accounts:staff-login", {}),
    ("accounts:register", {}),
    ("accounts:password-reset", {}),
    ("accounts:confirm-resend", {}),
    ("verification:upload", {}),
    ("content:news", {}),
    ("content:village-info", {}),
    ("content:guide", {}),
    ("core:attribution", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PUBLIC_PAGES)
def test_public_pages_satisfy_the_policy(client, batang, catalogue, name, kwargs):
    assert_satisfies_policy(client.get(reverse(name, kwargs=kwargs)))


RESIDENT_PAGES = [
    "letters:dashboard",
    "accounts:profile",
    "accounts:profile-edit",
    "accounts:password-change",
    "letters:history",
]


@pytest.mark.parametrize("name", RESIDENT_PAGES)
def test_resident_pages_satisfy_the_policy(client, batang, catalogue, resident, name):
    client.force_login(resident)

    assert_satisfies_policy(client.get(reverse(name)))


def test_the_request_form_satisfies_the_policy(client, batang, catalogue, resident):
    client.force_login(resident)

    assert_satisfies_policy(
        client.get(reverse("letters:request-create", kwargs={"code": "sk-domisili"}))
    )


def test_the_profile_form_keeps_htmx_from_injecting_styles(client, batang, resident):
    client.force_login(resident)
    html = client.get(reverse("accounts:profile-edit")).content.decode()

    assert "htmx-2.min.js" in html
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in html


STAFF_PAGES = [
    ("letters:inbox", "operator"),
    ("accounts:verification-list", "operator"),
    ("backoffice:dashboard", "operator"),
    ("letters:walk-in", "operator"),
    ("documents:signing-queue", "head"),
]


@pytest.mark.parametrize(("name", "who"), STAFF_PAGES)
def test_staff_pages_satisfy_the_policy(request, client, batang, catalogue, draft, name, who):
    client.force_login(request.getfixturevalue(who))

    assert_satisfies_policy(client.get(reverse(name)))


def test_request_pages_satisfy_the_policy(client, batang, draft, operator, resident):
    number = draft.registration_number
    client.force_login(resident)
    assert_satisfies_policy(client.get(reverse("letters:request-detail", args=[number])))
    client.force_login(operator)
    assert_satisfies_policy(client.get(reverse("letters:staff-detail", args=[number])))


def test_the_verification_page_of_an_issued_letter_satisfies_the_policy(
    client, draft, signing_head, head_passphrase
):
    from layanan.documents.services import letter_sign

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    response = client.get(reverse("verification:letter", args=[issued.verification_token]))

    assert_satisfies_policy(response)


def test_the_checker_finds_what_the_policy_would_block():
    finder = InlineContentFinder()
    finder.feed(
        '<p style="color:red" onclick="x()">a</p><style>p{}</style><script>alert(1)</script>'
        # A script of our own is allowed; one from another host (here protocol-relative,
        # the form a bare "starts with /" check misses) is not.
        '<script src="/static/core/site.js"></script><script src="//elsewhere.invalid/x.js">'
        '</script><a href="javascript:void(0)">b</a>'
    )

    assert len(finder.problems) == 6
