import time

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from layanan.accounts.captcha import SESSION_KEY, captcha_check, captcha_issue, captcha_png


@pytest.fixture
def request_with_session(settings):
    settings.LDM_CAPTCHA_FIXED_CODE = ""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_codes_are_four_random_digits(request_with_session):
    codes = {captcha_issue(request_with_session) for _ in range(20)}

    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert len(codes) > 1


def test_a_code_answers_once(request_with_session):
    code = captcha_issue(request_with_session)

    assert captcha_check(request_with_session, code)
    assert not captcha_check(request_with_session, code)


def test_a_wrong_answer_uses_the_code_up(request_with_session):
    code = captcha_issue(request_with_session)

    assert not captcha_check(request_with_session, "x")
    assert not captcha_check(request_with_session, code)


def test_an_old_code_has_expired(request_with_session):
    code = captcha_issue(request_with_session)
    request_with_session.session[SESSION_KEY]["issued"] = int(time.time()) - 3600

    assert not captcha_check(request_with_session, code)


def test_the_image_draws_the_current_code(request_with_session):
    png = captcha_png(request_with_session)

    assert png.startswith(b"\x89PNG")
    assert SESSION_KEY in request_with_session.session
