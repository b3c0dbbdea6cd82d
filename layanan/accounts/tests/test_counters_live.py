"""Counters that hold with real processes (issue 17, item 6): gunicorn with production
settings, two workers and no Redis (the default in-process cache), as `make serve` runs it.
Before, the lockout let 9 wrong passwords through instead of 5 and a solved Kode Keamanan
was accepted twice (once per worker).

The server sees the test's database: on PostgreSQL (DATABASE_URL) the test database itself,
on SQLite a file of its own, migrated for the test. Each request is a new connection, so
the two workers share the attempts between them as gunicorn hands them out.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from layanan.accounts.captcha import COOKIE_NAME
from layanan.core.tests.live_site import BASE_DIR, Browser, _clean_environment, live_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Uji-123"
GUESSER_NIK = "3325114506950003"
OWNER_NIK = "3325110101000017"
REPLAYS = 8

CREATE_RESIDENTS = f"""
from django.utils import timezone
from layanan.accounts.models import Role, User
for nik, email in (({GUESSER_NIK!r}, "tebak@example.com"), ({OWNER_NIK!r}, "pemilik@example.com")):
    User.objects.create_user(
        nik, {PASSWORD!r}, full_name="WARGA UJI", email=email,
        role=Role.RESIDENT, email_confirmed_at=timezone.now(),
    )
"""


def _id(message: str) -> str:
    with translation.override("id"):
        return gettext(message)


LOCKED = _id(
    "Too many failed attempts. Try again after %(time)s WIB (in about %(minutes)s minutes)."
).split("%")[0]
with translation.override("id"):
    WRONG = gettext("The NIK or password is wrong.")
WRONG_CODE = _id("The security code is wrong or has expired. Type the new code shown.")


def _database_url() -> str:
    if connection.vendor != "postgresql":
        return ""  # a SQLite file of the server's own
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@pytest.fixture
def site():
    with live_site(workers=2, database_url=_database_url()) as running:
        assert len(running.workers()) == 2
        running.python(CREATE_RESIDENTS)
        yield running


def test_the_sixth_wrong_password_is_refused_as_locked_and_a_solved_code_works_once(site):
    limit = settings.LDM_THROTTLES["login-account"][0]
    assert limit == 5
    guesser = Browser(site)
    answers = []
    for attempt in range(1, limit + 2):
        answer = guesser.submit("/masuk/", {"identifier": GUESSER_NIK, "password": "salah-lagi"})
        assert answer.status == 200, answer.text[:500]
        answers.append(answer.text)
        print(f"\nwrong password {attempt}: {'locked' if LOCKED in answer.text else 'wrong'}")
    assert all(WRONG in text and LOCKED not in text for text in answers[: limit - 1])
    assert LOCKED in answers[limit - 1]  # the fifth failure locks
    assert LOCKED in answers[limit]  # the sixth is refused as locked
    right = guesser.submit("/masuk/", {"identifier": GUESSER_NIK, "password": PASSWORD})
    assert LOCKED in right.text
    assert "sessionid" not in guesser.cookies

    # One solved Kode Keamanan, sent again and again to whichever worker takes it.
    owner = Browser(site)
    token = owner.form("/masuk/")
    code = owner.captcha_answer()
    challenge = owner.cookies[COOKIE_NAME]
    fields = {"identifier": OWNER_NIK, "password": PASSWORD, "captcha": code}
    accepted = 0
    for _replay in range(REPLAYS + 1):
        replay = Browser(site, cookies={"csrftoken": owner.cookies["csrftoken"]})
        replay.cookies[COOKIE_NAME] = challenge
        answer = replay.post("/masuk/", token, fields)
        if answer.status == 302:
            accepted += 1
        else:
            assert answer.status == 200, answer.text[:500]
            assert WRONG_CODE in answer.text
    print(f"one solved code sent {REPLAYS + 1} times: accepted {accepted} time(s)")
    assert accepted == 1


def test_gunicorn_refuses_to_start_several_workers_with_sessions_in_an_in_process_cache(
    tmp_path,
):
    env = {
        **_clean_environment(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 60,
        "LDM_PKI_PASSPHRASE": "bukan-rahasia",
        "LDM_FILE_KEYS": "live:" + "A" * 43 + "=",
        "LDM_VAR_DIR": str(tmp_path),
        "DJANGO_SESSION_ENGINE": "cached_db",
        "WEB_CONCURRENCY": "2",
        "LDM_BIND": "127.0.0.1:0",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")

    result = subprocess.run(  # noqa: S603 - the project's own server
        [gunicorn, "--config", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1, result.stderr[-2000:]
    assert "layanan.E020" in result.stderr
