"""Degrade, don't fail, with real processes (issue 16): gunicorn serving production settings,
a Celery worker, and TCP proxies the test cuts and hangs in front of Redis, RabbitMQ and
PostgreSQL.

Run on PostgreSQL with a real broker (LDM_TEST_BROKER_URL, as `.ci/run` does) and Redis: the
server and the worker are other processes and must see the test database. One test walks
through the faults one after the other, so that the server starts once. It asserts what
people get (200 pages, a degraded /sehat/, limits that hold, 503 without the database, emails
delivered later) and never a time: the latencies it measured are printed (`pytest -s`), a
report, not a verdict (before: a hanging Redis cost 5 s per page, a hanging broker 4 s per
email, a hanging database 60 s).
"""

import datetime as dt
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager, suppress
from http.cookies import SimpleCookie
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.html import escape

from layanan.core.tests.stand_ins import (
    SmtpStandIn,
    TcpProxy,
    free_port,
    wait_for_port,
    wait_until,
)
from layanan.notifications.models import OutgoingEmail

BROKER_URL = os.environ.get("LDM_TEST_BROKER_URL", "")
REDIS_PORT = 6379
CAPTCHA = "4531"  # config.settings.bench_load: production settings with a known Kode Keamanan
PASSWORD = "Rahasia-Uji-123"
# The breakers' pause in the server under test (5 s and 10 s by default).
RETRY_SECONDS = 2
# libpq's smallest connect timeout: the bound of a page while the database hangs.
DB_CONNECT_TIMEOUT = 2
WAIT_SECONDS = 60

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not BROKER_URL, reason="LDM_TEST_BROKER_URL is not set (no real broker for the worker)"
    ),
    pytest.mark.django_db(transaction=True),
]


# --- The stage ------------------------------------------------------------------------------


def _redis_or_fail() -> None:
    import redis

    try:
        redis.Redis(port=REDIS_PORT, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.fail(f"Redis is required at 127.0.0.1:{REDIS_PORT}")


def _via(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parts = urllib.parse.urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _database_url(port: int | None = None) -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"127.0.0.1:{port}" if port else f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@pytest.fixture
def stage(tmp_path, batang, catalogue, kauman):
    """The data the pages need, and the environment of the server and of the worker."""
    if connection.vendor != "postgresql":
        pytest.skip("the server must see the test database: run on PostgreSQL (DATABASE_URL)")
    _redis_or_fail()
    from layanan.accounts.choices import ProfileStatus
    from layanan.accounts.tests.factories import ResidentProfileFactory
    from layanan.letters.models import RequestStatus
    from layanan.letters.tests.factories import LetterRequestFactory

    def resident():
        user = ResidentProfileFactory.create(village=kauman, status=ProfileStatus.VERIFIED).user
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    applicant, guesser = resident(), resident()
    letter = LetterRequestFactory(applicant=applicant, status=RequestStatus.TERBIT)
    # Its PDF in the server's storage (/sehat/ checks that the newest letters have theirs; a
    # file stored in clear still opens).
    stored = tmp_path / "var" / "private" / str(letter.document)
    stored.parent.mkdir(parents=True)
    stored.write_bytes(_pdf())
    queue = f"ldm-test-{uuid.uuid4().hex[:12]}"
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "LDM_", "EMAIL_", "CACHE_URL"))
    }
    base.update(
        DJANGO_SETTINGS_MODULE="config.settings.bench_load",
        LDM_BENCH_CAPTCHA=CAPTCHA,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        LDM_PKI_PASSPHRASE=secrets.token_urlsafe(24),
        LDM_FILE_KEYS="test:" + "A" * 43 + "=",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_ENGINE="cached_db",
        LDM_VAR_DIR=str(tmp_path / "var"),
        LDM_TASK_QUEUE=queue,
        LDM_LOG_FORMAT="plain",
        LDM_CACHE_RETRY_SECONDS=str(RETRY_SECONDS),
        LDM_BROKER_RETRY_SECONDS=str(RETRY_SECONDS),
        LDM_DB_CONNECT_TIMEOUT=str(DB_CONNECT_TIMEOUT),
    )
    yield {"env": base, "applicant": applicant, "guesser": guesser, "letter": letter}
    _queue_delete(queue)


def _queue_delete(queue: str) -> None:
    from kombu import Connection

    # Nothing to clean if the queue was never declared.
    with Connection(BROKER_URL, connect_timeout=5) as broker, suppress(Exception):
        broker.default_channel.queue_delete(queue)


@contextmanager
def _process(command: list[str], env: dict, log: Path, *, port: int | None = None):
    """A process in its own group, stopped (or killed) at the end."""
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own commands
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if port is not None:
            assert wait_for_port(port, process=process), log.read_text()
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _server(env: dict, port: int, log: Path):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=WAIT_SECONDS,
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    env = {**env, "LDM_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "LDM_ACCESS_LOG": ""}
    return _process(
        [gunicorn, "--config", "config/gunicorn.conf.py", "config.wsgi"], env, log, port=port
    )


def _worker(env: dict, log: Path):
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1"]
    command += ["--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return _process([*command, f"--hostname=test-{uuid.uuid4().hex[:8]}@%h"], env, log)


# --- A browser, just enough of one ------------------------------------------------------------


class Browser:
    """Cookies, CSRF tokens and forms over HTTP, behind "HTTPS" (X-Forwarded-Proto)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type=""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_SECONDS)
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        start = time.monotonic()
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        content = response.read().decode(errors="replace")
        elapsed = time.monotonic() - start
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        conn.close()
        return Answer(response.status, dict(response.getheaders()), content, elapsed)

    def get(self, path: str) -> "Answer":
        return self.request("GET", path)

    def _token(self, path: str) -> str:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no form on {path} ({page.status})"
        return token.group(1)

    def post_form(self, path: str, fields: dict) -> "Answer":
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self._token(path), **fields})
        return self.request("POST", path, body.encode(), "application/x-www-form-urlencoded")

    def post_file(
        self, path: str, field: str, filename: str, content: bytes, *, token: str = ""
    ) -> "Answer":
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{token or self._token(path)}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        return self.request(
            "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )


class Answer:
    def __init__(self, status: int, headers: dict, text: str, elapsed: float):
        self.status, self.headers, self.text, self.elapsed = status, headers, text, elapsed

    def json(self) -> dict:
        return json.loads(self.text)


def _pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --- What is measured --------------------------------------------------------------------------


class Report:
    """The measured latencies, printed at the end (`pytest -s`)."""

    def __init__(self):
        self.rows: list[tuple[str, str, int, float]] = []

    def add(self, scenario: str, what: str, answer: Answer) -> Answer:
        self.rows.append((scenario, what, answer.status, answer.elapsed))
        return answer

    def print(self) -> None:
        print("\n--- degradation: latencies measured by the test client ---")
        for scenario, what, status, elapsed in self.rows:
            print(f"{scenario:<16} {what:<34} {status}  {elapsed * 1000:7.0f} ms")


def _public_pages(port: int, token: str) -> dict[str, Callable[[], Answer]]:
    """What anonymous visitors open, each a new visitor without cookies (as one who scans a
    QR code): the public page cache serves exactly them."""
    pdf = _pdf()
    return {
        "home": lambda: Browser(port).get("/"),
        "catalogue": lambda: Browser(port).get("/layanan/"),
        "QR page": lambda: Browser(port).get(f"/v/{token}/"),
        "upload check (form)": lambda: Browser(port).get("/verifikasi/"),
        "upload check (a PDF)": lambda: Browser(port).post_file(
            "/verifikasi/", "document", "s.pdf", pdf
        ),
        "resident login (form)": lambda: Browser(port).get("/masuk/"),
        "staff login (form)": lambda: Browser(port).get("/petugas/masuk/"),
    }


def _pages_answer(report: Report, scenario: str, browser: Browser, token: str, rounds: int):
    for _round in range(rounds):
        for name, load in _public_pages(browser.port, token).items():
            answer = report.add(scenario, name, load())
            assert answer.status == 200, (scenario, name, answer.text[:500])


def _health(report: Report, scenario: str, browser: Browser) -> Answer:
    return report.add(scenario, "/sehat/", browser.get("/sehat/"))


def _log_in(browser: Browser, user) -> None:
    answer = browser.post_form(
        "/masuk/", {"identifier": user.username, "password": PASSWORD, "captcha": CAPTCHA}
    )
    assert answer.status == 302, answer.text[:500]


def _submit(browser: Browser) -> Answer:
    fields = {"isian-keterangan_lainnya": "", "isian-keperluan": "Mengurus KTP", "agree": "on"}
    return browser.post_form("/layanan/sk-domisili/ajukan/", fields)


# --- The test ---------------------------------------------------------------------------------


def test_the_site_serves_through_redis_broker_and_database_faults(stage, tmp_path):
    env, report = stage["env"], Report()
    token = stage["letter"].verification_token
    port = free_port()
    db_host = connection.settings_dict["HOST"] or "127.0.0.1"
    broker_port = urllib.parse.urlsplit(BROKER_URL).port or 5672
    with ExitStack() as stack:
        redis = stack.enter_context(TcpProxy(REDIS_PORT))
        broker = stack.enter_context(TcpProxy(broker_port))
        database = stack.enter_context(
            TcpProxy(int(connection.settings_dict["PORT"] or 5432), db_host)
        )
        smtp = stack.enter_context(SmtpStandIn())
        server_env = {
            **env,
            "DATABASE_URL": _database_url(database.port),
            "CACHE_URL": f"rediscache://127.0.0.1:{redis.port}/13",
            "CELERY_BROKER_URL": _via(BROKER_URL, broker.port),
        }
        # The worker reaches the broker and the database directly: the faults are the site's.
        worker_env = {
            **env,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
        }
        worker_log, server_log = tmp_path / "worker.log", tmp_path / "server.log"
        stack.enter_context(_worker(worker_env, worker_log))
        stack.enter_context(_server(server_env, port, server_log))
        visitor = Browser(port)
        try:
            _all_well(report, visitor, token)
            _redis_cut(
                report, visitor, token, redis, Browser(port), stage["guesser"], stage["applicant"]
            )
            _redis_hangs(report, visitor, token, redis)
            _broker_hangs(report, Browser(port), broker, stage["applicant"], smtp, worker_env)
            _database_gone(report, visitor, database, Browser(port), stage["applicant"])
        except BaseException:
            print(server_log.read_text(errors="replace")[-6000:])
            raise
        finally:
            report.print()


def _all_well(report: Report, browser: Browser, token: str) -> None:
    _pages_answer(report, "all well", browser, token, rounds=2)
    health = _health(report, "all well", browser)
    assert (health.status, health.json()["status"]) == (200, "ok"), health.text


def _redis_cut(report, browser, token, redis, guesser_browser, guesser, applicant) -> None:
    redis.cut()
    _pages_answer(report, "Redis cut", browser, token, rounds=3)
    health = _health(report, "Redis cut", browser)
    assert health.status == 200
    assert health.json() == {
        "status": "degraded",
        "checks": {
            "database": "ok",
            "storage": "ok",
            "cache": "failed",
            "broker": "ok",
            "letters": "ok",
        },
    }

    # Five wrong passwords in a row lock the account; the sixth attempt is refused even with
    # the right password (the counts are in the database meanwhile).
    limit = settings.LDM_THROTTLES["login-account"][0]
    for attempt in range(1, limit + 2):
        password = PASSWORD if attempt == limit + 1 else "salah-lagi"
        fields = {"identifier": guesser.username, "password": password, "captcha": CAPTCHA}
        answer = report.add(
            "Redis cut", f"login attempt {attempt}", guesser_browser.post_form("/masuk/", fields)
        )
        assert answer.status == 200, answer.text[:500]  # the form again, never a 500
        locked = "Terlalu banyak percobaan yang gagal" in answer.text
        assert locked == (attempt >= limit), (attempt, answer.text[:2000])
    assert "sessionid" not in guesser_browser.cookies

    # Someone else logs in: the session lives in the database meanwhile (cached_db).
    resident_browser = Browser(browser.port)
    fields = {"identifier": applicant.username, "password": PASSWORD, "captcha": CAPTCHA}
    answer = report.add(
        "Redis cut", "login (right password)", resident_browser.post_form("/masuk/", fields)
    )
    assert answer.status == 302, answer.text[:500]
    answer = report.add("Redis cut", "history (logged in)", resident_browser.get("/riwayat/"))
    assert answer.status == 200
    assert escape(applicant.full_name) in answer.text


def _redis_hangs(report, browser, token, redis) -> None:
    redis.hang()
    time.sleep(RETRY_SECONDS + 0.5)  # the breakers opened by the cut probe again now
    _pages_answer(report, "Redis hangs", browser, token, rounds=2)
    time.sleep(RETRY_SECONDS + 0.5)
    _pages_answer(report, "Redis hangs", browser, token, rounds=1)
    health = _health(report, "Redis hangs", browser)
    assert (health.status, health.json()["status"]) == (200, "degraded")
    assert health.json()["checks"]["cache"] == "failed"

    redis.forward()
    wait_until(lambda: browser.get("/sehat/").json()["status"] == "ok", what="Redis back")


def _broker_hangs(report, browser, broker, applicant, smtp, worker_env) -> None:
    _log_in(browser, applicant)
    broker.hang()
    for number in range(1, 4):
        answer = report.add("broker hangs", f"submission {number}", _submit(browser))
        assert (answer.status, answer.headers.get("Location")) == (302, "/riwayat/"), answer.text
    health = _health(report, "broker hangs", browser)
    assert (health.status, health.json()["status"]) == (200, "degraded")
    assert health.json()["checks"]["broker"] == "failed"
    pending = OutgoingEmail.objects.filter(to=applicant.email, sent_at__isnull=True)
    assert pending.count() == 3  # in the outbox, not lost

    broker.forward()
    # The scheduler's sweep, a few minutes later: it sends what the broker never delivered.
    pending.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "call",
            "layanan.notifications.tasks.send_pending_emails",
        ],
        cwd=settings.BASE_DIR,
        env=worker_env,
        check=True,
        capture_output=True,
        timeout=WAIT_SECONDS,
    )
    wait_until(lambda: not pending.exists(), what="the sweep to send the emails")
    # And with the broker back, a page queues its email to the worker again.
    time.sleep(RETRY_SECONDS + 0.5)
    answer = report.add("broker back", "submission 4", _submit(browser))
    assert answer.status == 302
    wait_until(lambda: len(smtp.messages) == 4, what="the fourth email")
    assert all(f"To: {applicant.email}".encode() in message for message in smtp.messages)


def _database_gone(report, visitor, database, browser, applicant) -> None:
    _log_in(browser, applicant)
    pdf = _pdf()
    visitor.get("/verifikasi/")  # the form (and its CSRF cookie) before the database goes
    token = visitor._token("/verifikasi/")
    database.cut()
    for scenario in ("database cut", "database hangs"):
        if scenario == "database hangs":
            database.hang()
        answer = report.add(
            scenario,
            "upload check (a PDF)",
            visitor.post_file("/verifikasi/", "document", "s.pdf", pdf, token=token),
        )
        assert answer.status == 503, answer.text[:500]
        assert answer.headers.get("Retry-After") == "30"
        answer = report.add(scenario, "history (logged in)", browser.get("/riwayat/"))
        assert answer.status == 503
        health = report.add(scenario, "/sehat/", visitor.get("/sehat/"))
        assert health.status == 503
        assert health.json()["checks"]["database"] == "failed"
        assert health.json()["status"] == "failed"
        report.add(scenario, "home", visitor.get("/"))

    database.forward()
    wait_until(lambda: visitor.get("/sehat/").status == 200, what="the database back")
    assert browser.get("/riwayat/").status == 200
