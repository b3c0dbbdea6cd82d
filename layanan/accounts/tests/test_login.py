import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from layanan.accounts.authentication import ADDRESS_WARNING_FROM
from layanan.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, captcha, identifier, password=PASSWORD, *, staff=False, code=None):
    url = reverse("accounts:staff-login" if staff else "accounts:login")
    client.get(url)  # issues the Kode Keamanan
    return client.post(
        url, {"identifier": identifier, "password": password, "captcha": code or captcha}
    )


def test_a_resident_logs_in_with_nik_password_and_security_code(client, captcha, resident):
    response = _login(client, captcha, resident.username)

    assert response.status_code == 302
    assert response["Location"] == reverse("letters:dashboard")
    assert client.get(reverse("letters:dashboard")).status_code == 200


def test_the_nik_may_be_typed_with_spaces(client, captcha, resident):
    spaced = " ".join(resident.username[i : i + 4] for i in range(0, 16, 4))

    assert _login(client, captcha, spaced).status_code == 302


def test_a_wrong_security_code_refuses_even_the_right_password(client, captcha, resident):
    response = _login(client, captcha, resident.username, code="0000")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so_without_telling_which_part(client, captcha, resident):
    response = _login(client, captcha, resident.username, "Salah-1234")

    with translation.override("id"):
        wrong = gettext("The NIK or password is wrong.")
    assert wrong in response.content.decode()


def test_an_unconfirmed_account_cannot_log_in(client, captcha, resident):
    resident.email_confirmed_at = None
    resident.save()

    response = _login(client, captcha, resident.username)

    html = response.content.decode()
    assert "belum dikonfirmasi" in html
    assert reverse("accounts:confirm-resend") in html
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_and_say_until_when(client, captcha, resident):
    for _ in range(4):
        _login(client, captcha, resident.username, "Salah-1234")
    response = _login(client, captcha, resident.username, "Salah-1234")

    html = response.content.decode()
    assert "Terlalu banyak percobaan" in html
    assert "WIB" in html
    # Locked: even the right password is refused now.
    response = _login(client, captcha, resident.username)
    assert "Terlalu banyak percobaan" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account(client, captcha, resident, other_resident):
    for _ in range(5):
        _login(client, captcha, resident.username, "Salah-1234")

    assert _login(client, captcha, other_resident.username).status_code == 302


def test_an_address_trying_many_accounts_is_locked(client, captcha, kauman):
    residents = [UserFactory() for _ in range(20)]
    for person in residents:
        _login(client, captcha, person.username, "Salah-1234")

    response = _login(client, captcha, UserFactory().username)
    assert "Terlalu banyak percobaan" in response.content.decode()


def test_a_success_resets_the_account_counter(client, captcha, resident):
    for _ in range(4):
        _login(client, captcha, resident.username, "Salah-1234")
    assert _login(client, captcha, resident.username).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        _login(client, captcha, resident.username, "Salah-1234")

    assert _login(client, captcha, resident.username).status_code == 302


def test_staff_log_in_with_their_username_on_the_staff_page(client, captcha, operator):
    response = _login(client, captcha, "operator.kauman", staff=True)

    assert response["Location"] == reverse("backoffice:dashboard")


def test_each_login_page_takes_only_its_kind_of_account(client, captcha, resident, operator):
    assert _login(client, captcha, "operator.kauman").status_code == 200
    assert _login(client, captcha, resident.username, staff=True).status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, captcha, resident):
    _login(client, captcha, resident.username)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_next_only_goes_to_this_site(client, captcha, resident):
    url = reverse("accounts:login")
    client.get(url)
    response = client.post(
        url + "?next=https://jahat.example/",
        {"identifier": resident.username, "password": PASSWORD, "captcha": captcha},
    )

    assert response["Location"] == reverse("letters:dashboard")


def test_the_security_code_image_is_a_fresh_png(client):
    client.get(reverse("accounts:login"))
    response = client.get(reverse("accounts:captcha"))

    assert response["Content-Type"] == "image/png"
    assert b"".join(response)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "no-cache" in response["Cache-Control"]


def _left_text(count: int) -> str:
    with translation.override("id"):
        return ngettext(
            "%(count)s attempt left before this account is locked for %(minutes)s minutes.",
            "%(count)s attempts left before this account is locked for %(minutes)s minutes.",
            count,
        ) % {"count": count, "minutes": 15}


def _page(response) -> str:
    return " ".join(response.content.decode().split())


def _summary(response) -> str:
    """The error summary at the top of the form."""
    found = re.search(r"data-error-summary>(.*?)</div>", _page(response))
    assert found
    return found.group(1)


def test_a_wrong_password_says_how_many_attempts_are_left(client, captcha, resident):
    first = _login(client, captcha, resident.username, "Salah-1234")
    second = _login(client, captcha, resident.username, "Salah-1234")
    for _ in range(2):
        last = _login(client, captcha, resident.username, "Salah-1234")

    assert _left_text(4) in _page(first)
    assert _left_text(3) in _page(second)
    assert _left_text(1) in _page(last)


def test_the_warning_is_the_same_whether_or_not_the_nik_has_an_account(client, captcha, resident):
    unknown = resident.username[:-4] + "9999"
    with_account = _login(client, captcha, resident.username, "Salah-1234")
    without = _login(client.__class__(), captcha, unknown, "Salah-1234")

    assert _summary(with_account) == _summary(without)
    assert _left_text(4) in _summary(with_account)


def test_a_wrong_security_code_warns_only_near_the_networks_limit(client, captcha, resident):
    limit = settings.LDM_THROTTLES["login-address"][0]
    for _ in range(limit - ADDRESS_WARNING_FROM - 1):
        quiet = _login(client, captcha, resident.username, code="0000")
    warned = _login(client, captcha, resident.username, code="0000")

    assert _summary(quiet).count("<li>") == 1  # the wrong code only: no count yet
    assert _summary(warned).count("<li>") == 2
    with translation.override("id"):
        network = ngettext(
            "%(count)s attempt left before logging in from your network is locked for "
            "%(minutes)s minutes.",
            "%(count)s attempts left before logging in from your network is locked for "
            "%(minutes)s minutes.",
            ADDRESS_WARNING_FROM,
        ) % {"count": ADDRESS_WARNING_FROM, "minutes": 15}
    assert network in _summary(warned)
