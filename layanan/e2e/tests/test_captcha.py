"""The Kode Keamanan after a form error (issue 18, finding 1): the box is empty and the
picture is a new one, whose code is the one that counts. With random codes, as in
production: the test reads each challenge's code from the browser's own cookie."""

import pytest
from django.core import signing

from layanan.accounts.captcha import _SALT, COOKIE_NAME, MAX_AGE, _code_of
from layanan.accounts.tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PICTURE = "/kode-keamanan.png"


@pytest.fixture(autouse=True)
def random_codes(settings):
    settings.LDM_CAPTCHA_FIXED_CODE = ""


def _open(page, path: str) -> bytes:
    """Open a form page; the bytes of the Kode Keamanan picture the browser loaded."""
    with page.expect_response(lambda response: PICTURE in response.url) as picture:
        page.goto(path)
    return picture.value.body()


def _submit(page) -> bytes:
    """Submit the form; the bytes of the picture of the page shown next."""
    with page.expect_response(lambda response: PICTURE in response.url) as picture:
        page.locator("main form button[type=submit]").first.click()
    return picture.value.body()


def _code_shown(page) -> str:
    """The code of the challenge the browser holds: what its picture shows."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
    return _code_of(signing.loads(cookie["value"], salt=_SALT, max_age=MAX_AGE)["n"])


def _picture_address(page) -> str:
    return page.locator("img.captcha-image").get_attribute("src")


@pytest.mark.parametrize(
    ("path", "identifier", "home"),
    [("/masuk/", "resident", "**/beranda/"), ("/petugas/masuk/", "operator", "**/petugas/")],
)
def test_a_wrong_password_leaves_the_code_box_empty_with_a_new_picture(
    new_page, resident, operator, path, identifier, home
):
    username = {"resident": resident, "operator": operator}[identifier].username
    page = new_page()
    before = _open(page, path)
    address, code = _picture_address(page), _code_shown(page)
    page.fill("#id_identifier", username)
    page.fill("#id_password", "Salah-1234")
    page.fill("#id_captcha", code)

    after = _submit(page)

    assert page.locator("[data-error-summary]").is_visible()
    assert page.input_value("#id_captcha") == ""
    assert _picture_address(page) != address
    assert after != before
    # The new picture's code is the one that counts now.
    page.fill("#id_password", PASSWORD)
    page.fill("#id_captcha", _code_shown(page))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(home)


def test_a_registration_error_leaves_the_code_box_empty_with_a_new_picture(new_page, batang):
    page = new_page()
    before = _open(page, "/registrasi/")
    address = _picture_address(page)
    page.fill("#id_nik", "3325110101000000")
    page.fill("#id_full_name", "AKHMAD KURNIAWAN")
    page.fill("#id_birth_place", "BATANG")
    page.fill("#id_birth_date", "2000-01-02")  # not the date in the NIK
    page.fill("#id_email", "akhmad@example.com")
    page.fill("#id_password", "Kurniawan-2022")
    page.check("#id_agree")
    page.fill("#id_captcha", _code_shown(page))

    after = _submit(page)

    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert summary.evaluate("element => element === document.activeElement")  # focused
    assert summary.locator('a[href="#id_birth_date"]').count() == 1
    assert page.input_value("#id_captcha") == ""
    assert _picture_address(page) != address
    assert after != before
    page.fill("#id_birth_date", "2000-01-01")
    page.fill("#id_password", "Kurniawan-2022")
    page.fill("#id_captcha", _code_shown(page))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/registrasi/terkirim/")
