"""Lockouts a stranger cannot turn against the owner, counted where every process sees them
(issue 17, item 6). The test settings' cache is LocMemCache, each process's own: the counts
and the used Kode Keamanan are in the database. With real gunicorn workers:
test_counters_live.py.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from layanan.accounts.authentication import DEVICE_COOKIE
from layanan.accounts.captcha import COOKIE_NAME
from layanan.accounts.tests.factories import PASSWORD
from layanan.core.checks import shared_state_errors
from layanan.core.models import FallbackEntry

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.9"
OWNER = "198.51.100.20"
LOCKED = "Terlalu banyak percobaan"


def _login(client, captcha, identifier, password=PASSWORD, *, address=STRANGER):
    url = reverse("accounts:login")
    client.get(url, REMOTE_ADDR=address)
    return client.post(
        url,
        {"identifier": identifier, "password": password, "captcha": captcha},
        REMOTE_ADDR=address,
    )


def _account_locked_text() -> str:
    with translation.override("id"):
        return gettext(
            "This account had too many failed attempts from different places. Log in from a "
            "device you have logged in with before, reset your password by email, or try again "
            "after %(time)s WIB.",
        ).split("%")[0]


def test_a_strangers_failures_lock_their_address_not_the_owners_logins(client, captcha, resident):
    limit = settings.LDM_THROTTLES["login-account"][0]
    answers = [_login(client, captcha, resident.username, "Salah-1234") for _ in range(limit)]
    assert LOCKED in answers[-1].content.decode()
    refused = _login(client, captcha, resident.username)  # even the right password
    assert LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session

    owner = _login(client, captcha, resident.username, address=OWNER)

    assert owner.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_guesses_from_many_addresses_lock_the_account_for_new_browsers_only(
    client, captcha, resident, django_capture_on_commit_callbacks
):
    owner_browser = client.__class__()
    assert _login(owner_browser, captcha, resident.username, address=OWNER).status_code == 302
    assert DEVICE_COOKIE in owner_browser.cookies
    owner_browser.post(reverse("accounts:logout"))

    limit = settings.LDM_THROTTLES["login-account-total"][0]
    per_address = settings.LDM_THROTTLES["login-account"][0] - 1  # never the address's lock
    for attempt in range(limit):
        address = f"192.0.2.{attempt // per_address + 1}"
        answer = _login(client, captcha, resident.username, "Salah-1234", address=address)
    assert _account_locked_text() in " ".join(answer.content.decode().split())

    # Guessing is bounded: a new browser at a fresh address is refused, even with the right
    # password, without the password being tried.
    fresh = _login(client.__class__(), captcha, resident.username, address="192.0.2.250")
    assert _account_locked_text() in " ".join(fresh.content.decode().split())
    # The owner's browser logs in as before.
    assert _login(owner_browser, captcha, resident.username, address=OWNER).status_code == 302

    # And a reset link from the owner's inbox ends the lock for every browser.
    newcomer = client.__class__()
    newcomer.get(reverse("accounts:password-reset"), REMOTE_ADDR="192.0.2.251")
    with django_capture_on_commit_callbacks(execute=True):
        newcomer.post(
            reverse("accounts:password-reset"),
            {"email": resident.email, "captcha": captcha},
            REMOTE_ADDR="192.0.2.251",
        )
    (message,) = mail.outbox
    found = re.search(r"https?://[^/]+(/lupa-password/\S+/\S+/)", str(message.body))
    assert found
    path = found.group(1)
    set_url = newcomer.get(path, follow=True).redirect_chain[-1][0]
    newcomer.post(set_url, {"new_password1": "Baru-2026x", "new_password2": "Baru-2026x"})
    after = _login(newcomer, captcha, resident.username, "Baru-2026x", address="192.0.2.251")
    assert after.status_code == 302


def test_a_cookie_for_another_account_or_forged_does_not_count_as_known(
    client, captcha, resident, other_resident
):
    assert _login(client, captcha, other_resident.username, address=OWNER).status_code == 302
    client.post(reverse("accounts:logout"))
    client.cookies[DEVICE_COOKIE] = client.cookies[DEVICE_COOKIE].value[:-3] + "abc"
    limit = settings.LDM_THROTTLES["login-account-total"][0]
    per_address = settings.LDM_THROTTLES["login-account"][0] - 1
    for attempt in range(limit):
        address = f"192.0.2.{attempt // per_address + 1}"
        _login(client, captcha, resident.username, "Salah-1234", address=address)

    answer = _login(client, captcha, resident.username, address=OWNER)

    assert _account_locked_text() in " ".join(answer.content.decode().split())


def test_the_counts_and_used_codes_are_in_the_database_with_an_in_process_cache(
    client, captcha, resident
):
    _login(client, captcha, resident.username, "Salah-1234")

    # Counters of the account, the address and the pair, and the used Kode Keamanan.
    assert FallbackEntry.objects.filter(key__startswith="ldm:throttle:login-").count() >= 3
    assert FallbackEntry.objects.filter(key__startswith="cache:").count() == 1


def test_one_solved_code_is_accepted_once(client, captcha, resident):
    url = reverse("accounts:login")
    client.get(url)
    challenge = client.cookies[COOKIE_NAME].value
    form = {"identifier": resident.username, "password": PASSWORD, "captcha": captcha}
    assert client.post(url, form).status_code == 302
    replay = client.__class__()
    replay.cookies[COOKIE_NAME] = challenge  # the same solved challenge, sent again

    again = replay.post(url, form)

    assert again.status_code == 200
    assert [error.code for error in again.context["form"].errors.as_data()["captcha"]] == [
        "captcha"
    ]
    assert "_auth_user_id" not in replay.session


# --- The system check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "processes", "expected"),
    [
        ("django.contrib.sessions.backends.cached_db", 2, ["layanan.E020"]),
        ("django.contrib.sessions.backends.cache", 3, ["layanan.E020"]),
        ("django.contrib.sessions.backends.cached_db", 1, []),
        ("django.contrib.sessions.backends.db", 2, []),
    ],
)
def test_sessions_in_an_in_process_cache_refuse_several_processes(engine, processes, expected):
    with override_settings(SESSION_ENGINE=engine):
        assert [error.id for error in shared_state_errors(processes)] == expected


def test_sessions_in_a_shared_cache_are_fine_with_several_processes():
    redis = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    with override_settings(CACHES=redis, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        assert shared_state_errors(4) == []
