"""The site as production runs it, for live tests and benchmarks: gunicorn with production
settings and N workers (``config/gunicorn.conf.py``, as ``make serve``), no Redis (the
default in-process cache), a database the test names (its own PostgreSQL test database) or
a SQLite file of its own, migrated here. And a browser just good enough to use it: cookies,
CSRF tokens, and the Kode Keamanan read the way the server derives it (the test knows the
server's secret key), so that production settings run unchanged, without a fixed code.
"""

import base64
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from django.core import signing
from django.utils.crypto import salted_hmac

from layanan.accounts import captcha
from layanan.core.tests.stand_ins import free_port, wait_for_port, wait_until

BASE_DIR = Path(__file__).resolve().parents[3]
WAIT_SECONDS = 60


def _clean_environment() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "LDM_", "EMAIL_", "CACHE_URL"))
        and key != "WEB_CONCURRENCY"
    }


@dataclass
class LiveSite:
    """A running gunicorn: its port, its master's pid, and the environment it runs with."""

    port: int
    master: subprocess.Popen
    env: dict[str, str]
    secret_key: str
    log: Path

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def python(self, code: str) -> str:
        """Run ``code`` with the site's settings and database (Django set up); its output."""
        result = subprocess.run(  # noqa: S603 - the project's own interpreter
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def vm_rss_kib(pid: int) -> int:
    """The resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def _run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - the project's own commands
        command, cwd=BASE_DIR, env=env, check=True, timeout=WAIT_SECONDS, capture_output=True
    )


@contextmanager
def live_site(
    *,
    workers: int = 2,
    database_url: str = "",
    extra_env: dict[str, str] | None = None,
    var_dir: Path | None = None,
) -> Iterator[LiveSite]:
    """gunicorn with production settings; ``database_url`` empty: a new SQLite file."""
    with tempfile.TemporaryDirectory(prefix="ldm-live-") as scratch:
        var = var_dir or Path(scratch) / "var"
        secret_key = secrets.token_urlsafe(48)
        file_key = base64.b64encode(secrets.token_bytes(32)).decode()
        port = free_port()
        env = _clean_environment()
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=secret_key,
            LDM_PKI_PASSPHRASE=secrets.token_urlsafe(24),
            LDM_FILE_KEYS=f"live:{file_key}",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",
            LDM_VAR_DIR=str(var),
            LDM_LOG_FORMAT="plain",
            DATABASE_URL=database_url or f"sqlite:///{var / 'db.sqlite3'}",
            **(extra_env or {}),
        )
        _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        if not database_url:
            _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
        log = Path(scratch) / "gunicorn.log"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server_env = {
            **env,
            "LDM_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "LDM_ACCESS_LOG": "",
        }
        with log.open("ab") as output:
            master = subprocess.Popen(  # noqa: S603 - the project's own server
                [gunicorn, "--config", "config/gunicorn.conf.py", "config.wsgi"],
                cwd=BASE_DIR,
                env=server_env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        site = LiveSite(port=port, master=master, env=env, secret_key=secret_key, log=log)
        try:
            assert wait_for_port(port, process=master), site.log_tail()
            wait_until(
                lambda: len(site.workers()) >= workers,
                what="gunicorn's workers",
                processes=[master],
                log=log,
            )
            yield site
        finally:
            if master.poll() is None:
                os.killpg(master.pid, signal.SIGTERM)
                try:
                    master.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(master.pid, signal.SIGKILL)
                    master.wait(timeout=10)


# --- A browser ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    elapsed: float


@dataclass
class Browser:
    """Cookies, CSRF tokens, forms and the Kode Keamanan, over plain HTTP."""

    site: LiveSite
    address: str = ""  # sent as X-Forwarded-For (the site must trust one proxy)
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=WAIT_SECONDS)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if self.address:
            headers["X-Forwarded-For"] = self.address
        start = time.perf_counter()
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        content = response.read().decode(errors="replace")
        elapsed = time.perf_counter() - start
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

    def form(self, path: str) -> str:
        """Open a form; its CSRF token (the page also issues a new Kode Keamanan)."""
        page = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no form on {path} ({page.status}): {page.text[:300]}"
        return token.group(1)

    def captcha_answer(self) -> str:
        """The code of the challenge this browser holds, derived as the server does."""
        return captcha_code(self.cookies[captcha.COOKIE_NAME], self.site.secret_key)

    def post(self, path: str, token: str, fields: dict[str, str]) -> Answer:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def submit(self, path: str, fields: dict[str, str]) -> Answer:
        """Open the form, solve its Kode Keamanan and send ``fields``."""
        token = self.form(path)
        return self.post(path, token, {**fields, "captcha": self.captcha_answer()})


def captcha_code(cookie: str, secret_key: str) -> str:
    """The code of a Kode Keamanan cookie, as ``layanan.accounts.captcha`` derives it."""
    nonce = signing.loads(cookie, key=secret_key, salt=captcha._SALT, fallback_keys=[])["n"]
    digest = salted_hmac(captcha._SALT, nonce, secret=secret_key, algorithm="sha256").digest()
    return str(int.from_bytes(digest[:8], "big") % 10**captcha.LENGTH).zfill(captcha.LENGTH)


# --- Large bodies and the memory of a worker ---------------------------------------------------


@dataclass
class StreamedPost:
    """What became of a large POST: the status (None: the connection was reset before an
    answer could be read), how much was sent, how long until the end, and the worker's
    memory (KiB) before, at its peak during, and after."""

    status: int | None
    sent: int
    seconds: float
    rss_before: int
    rss_peak: int
    rss_after: int

    @property
    def growth_mib(self) -> float:
        return (self.rss_peak - self.rss_before) / 1024


def _body(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A file part of ``total`` bytes without a single line break (the worst case for a
    parser that reads lines)."""
    yield (
        b'--ldm\r\nContent-Disposition: form-data; name="document"; filename="surat.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
    )
    block = b"%PDF-" + b"A" * (chunk - 5)
    sent = 0
    while sent < total:
        yield block
        sent += len(block)


def streamed_post(
    site: LiveSite, path: str, total: int, *, declared: int | None, settle: float = 1.0
) -> StreamedPost:
    """POST ``total`` bytes streamed from a generator (``declared``: the Content-Length sent;
    None: chunked) while sampling the one worker's VmRSS every 10 ms."""
    import threading

    (worker,) = site.workers()
    before = vm_rss_kib(worker)
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, vm_rss_kib(worker))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    sent = 0

    def counted() -> Iterator[bytes]:
        nonlocal sent
        for part in _body(total):
            sent += len(part)
            yield part

    headers = {"Content-Type": "multipart/form-data; boundary=ldm"}
    if declared is not None:
        headers["Content-Length"] = str(declared)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=WAIT_SECONDS)
    start = time.perf_counter()
    status: int | None = None
    # An OSError: the server closed the connection, the rest was never read.
    with suppress(OSError):
        conn.request("POST", path, counted(), headers, encode_chunked=declared is None)
    try:
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException):
        status = None
    seconds = time.perf_counter() - start
    conn.close()
    time.sleep(settle)
    done.set()
    sampler.join()
    return StreamedPost(status, sent, seconds, before, peak, vm_rss_kib(worker))
