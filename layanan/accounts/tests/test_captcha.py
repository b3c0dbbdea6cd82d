import re
import time

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from layanan.accounts.captcha import (
    _ISSUED,
    _SALT,
    COOKIE_NAME,
    captcha_check,
    captcha_cookie,
    captcha_issue,
    captcha_png,
    captcha_version,
)


@pytest.fixture
def random_codes(settings):
    settings.LDM_CAPTCHA_FIXED_CODE = ""


def _issued_cookie(code_holder: list[str]) -> str:
    """The cookie a page sends with a new challenge, and the challenge's code."""

    @captcha_cookie
    def page(request):
        code_holder.append(captcha_issue(request))
        return HttpResponse()

    return page(RequestFactory().get("/")).cookies[COOKIE_NAME].value


def _answering(cookie: str | None):
    request = RequestFactory().post("/")
    if cookie is not None:
        request.COOKIES[COOKIE_NAME] = cookie
    return request


def test_codes_are_four_random_digits(random_codes):
    codes: list[str] = []
    for _ in range(20):
        _issued_cookie(codes)

    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert len(set(codes)) > 1


def test_the_cookie_holds_a_nonce_not_the_code(random_codes):
    codes: list[str] = []
    cookie = _issued_cookie(codes)

    assert set(signing.loads(cookie, salt=_SALT)) == {"n"}


@pytest.mark.django_db  # the used codes are kept where every process sees them
def test_a_code_answers_once(random_codes):
    codes: list[str] = []
    cookie = _issued_cookie(codes)

    assert captcha_check(_answering(cookie), codes[0])
    assert not captcha_check(_answering(cookie), codes[0])


@pytest.mark.django_db
def test_a_wrong_answer_uses_the_code_up(random_codes):
    codes: list[str] = []
    cookie = _issued_cookie(codes)

    assert not captcha_check(_answering(cookie), "x")
    assert not captcha_check(_answering(cookie), codes[0])


def test_no_cookie_or_a_forged_one_answers_nothing(random_codes):
    codes: list[str] = []
    cookie = _issued_cookie(codes)
    forged = signing.dumps({"n": "chosen-by-the-attacker"}, salt="another salt")

    assert not captcha_check(_answering(None), codes[0])
    assert not captcha_check(_answering(forged), codes[0])
    assert not captcha_check(_answering(cookie[:-2] + "xx"), codes[0])


def test_an_old_challenge_has_expired(random_codes, monkeypatch):
    codes: list[str] = []
    cookie = _issued_cookie(codes)
    later = time.time() + 11 * 60
    monkeypatch.setattr(time, "time", lambda: later)  # the clock signing reads

    assert not captcha_check(_answering(cookie), codes[0])


@pytest.mark.django_db
def test_a_used_challenge_drops_its_cookie():
    @captcha_cookie
    def answered(request):
        captcha_check(request, "1234")
        return HttpResponse()

    response = answered(_answering(_issued_cookie([])))

    assert response.cookies[COOKIE_NAME].value == ""


def test_the_image_draws_the_current_code_and_starts_one_if_needed(client):
    response = client.get(reverse("accounts:captcha"))

    assert response.content.startswith(b"\x89PNG")
    assert response.cookies[COOKIE_NAME]["httponly"]
    assert response.cookies[COOKIE_NAME]["samesite"] == "Lax"
    again = client.get(reverse("accounts:captcha"))
    assert COOKIE_NAME not in again.cookies  # the same challenge, drawn anew


def test_the_png_of_a_request_without_challenge_issues_one(random_codes):
    request = RequestFactory().get("/")

    assert captcha_png(request).startswith(b"\x89PNG")
    assert getattr(request, _ISSUED, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["accounts:login", "accounts:staff-login", "accounts:register", "accounts:password-reset"],
)
def test_opening_a_form_with_a_code_writes_no_session(client, name):
    from django.contrib.sessions.models import Session

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert COOKIE_NAME in response.cookies
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def _captcha_box(html: str) -> str:
    found = re.search(r"<input[^>]*id=\"id_captcha\"[^>]*>", html)
    assert found
    return found.group(0)


def _picture_address(html: str) -> str:
    found = re.search(r'<img class="captcha-image[^"]*" src="([^"]+)"', html)
    assert found
    return found.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("accounts:login", {"identifier": "3325110101900001", "password": "Salah-1234"}),
        ("accounts:staff-login", {"identifier": "operator.kauman", "password": "Salah-1234"}),
        # A form error elsewhere: the date of birth does not match the NIK.
        (
            "accounts:register",
            {
                "nik": "3325110101000000",
                "full_name": "AKHMAD KURNIAWAN",
                "birth_place": "BATANG",
                "birth_date": "2000-01-02",
                "email": "akhmad@example.com",
                "password": "Rahasia-2022",
                "agree": "on",
            },
        ),
    ],
)
def test_a_form_shown_again_has_an_empty_code_box_and_a_new_picture(client, captcha, name, data):
    first = client.get(reverse(name))
    first_cookie = first.cookies[COOKIE_NAME].value

    again = client.post(reverse(name), {**data, "captcha": captcha})

    assert again.status_code == 200
    html = again.content.decode()
    assert 'value="' not in _captcha_box(html)  # the answer to the old picture is gone
    assert again.cookies[COOKIE_NAME].value not in ("", first_cookie)  # a new challenge
    assert _picture_address(html) != _picture_address(first.content.decode())


def test_each_challenge_has_its_own_picture_address(random_codes):
    request, other = RequestFactory().get("/"), RequestFactory().get("/")
    captcha_issue(request)
    captcha_issue(other)

    assert captcha_version(request) != captcha_version(other)
    assert getattr(request, _ISSUED) not in captcha_version(request)  # not the nonce itself
