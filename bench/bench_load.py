"""Load benchmark (`make bench-load`): not a test, a measurement.

On a throwaway PostgreSQL database filled by `generate_data`, the production server
(gunicorn, 2 workers, production settings with Redis for cache and sessions) serves the pages
residents, operators and the public open most; `wrk` drives each page at 50 connections and
this script prints requests per second and p50/p95/p99 latency per page beside a baseline
measured in the same run by the same server: a minimal Django view (`/bench/baseline/`,
mounted only by the benchmark settings) through the whole middleware stack.

It also counts each page's database queries at two data sizes (a tenth of the data, then
all of it), to show that no page's query count grows with the data.

    .venv/bin/python bench/bench_load.py [--residents N --requests N | --full] [--seconds S]
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench-Login-2026!"  # noqa: S105 - throwaway accounts of a throwaway database
CAPTCHA = "4531"
PUBLIC_TARGET, LOGGED_IN_TARGET, P95_TARGET_MS = 0.40, 0.15, 150


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _configure(args, database: str, var_dir: Path) -> dict:
    """The environment of this process and of the server: production settings."""
    environ = {
        "DJANGO_SETTINGS_MODULE": "config.settings.bench_load",
        "DATABASE_URL": f"{args.postgres.rstrip('/')}/{database}",
        "CACHE_URL": args.redis.replace("redis://", "rediscache://"),
        "DJANGO_SESSION_ENGINE": "cached_db",
        "LDM_VAR_DIR": str(var_dir),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "LDM_LOG_LEVEL": "WARNING",
        "LDM_ACCESS_LOG": "",
        "WEB_CONCURRENCY": str(args.workers),
        "LDM_WEB_THREADS": str(args.threads),
        "CELERY_BROKER_URL": "memory://",
    }
    os.environ.update(environ)
    return environ


def _database(admin_url: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{admin_url.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Data ------------------------------------------------------------------------------------


def _generate(residents: int, requests: int) -> None:
    from layanan.scale.services import data_generate

    start = time.monotonic()
    result = data_generate(residents=residents, requests=requests, seed=residents)
    print(
        f"  generated {result.residents:,} residents and {result.requests:,} requests "
        f"in {time.monotonic() - start:.0f} s"
    )


def _bench_users() -> dict:
    """A resident with a long history, the operator and the head of the busiest village,
    with passwords (and for staff an authenticator device) the benchmark knows."""
    from django.db.models import Count

    from layanan.accounts.models import EncryptedTOTPDevice as TOTPDevice
    from layanan.accounts.models import Role, User
    from layanan.letters.models import LetterRequest

    busiest = LetterRequest.objects.values("village").annotate(n=Count("id")).order_by("-n").first()
    assert busiest is not None, "the generated data has requests"
    village = busiest["village"]
    longest = (
        LetterRequest.objects.filter(applicant__profile__status="terverifikasi")
        .values("applicant")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert longest is not None, "the generated data has requests of verified residents"
    resident = User.objects.get(pk=longest["applicant"])
    operator = User.objects.filter(role=Role.OPERATOR, village=village).first()
    head = User.objects.filter(role=Role.HEAD, village=village).first()
    assert operator is not None, "the busiest village has an operator"
    assert head is not None, "the busiest village has a head"
    users = {"resident": resident, "operator": operator, "head": head}
    for user in users.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        if not user.is_resident:
            TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "bench"})
    return users


def _pages(users) -> dict[str, tuple[str, str, str | None]]:
    """name -> (kind, path, who)."""
    from layanan.letters.models import LetterRequest

    token = (
        LetterRequest.objects.filter(status="terbit", village=users["operator"].village_id)
        .values_list("verification_token", flat=True)
        .first()
    )
    return {
        "home": ("public", "/", None),
        "catalogue": ("public", "/layanan/", None),
        "verification (QR page)": ("public", f"/v/{token}/", None),
        "login form": ("form", "/masuk/", None),
        "Beranda": ("login", "/beranda/", "resident"),
        "Riwayat": ("login", "/riwayat/", "resident"),
        "operator inbox": ("login", "/petugas/permohonan/", "operator"),
        "head's queue": ("login", "/petugas/tanda-tangan/", "head"),
    }


def _query_counts(pages, users) -> dict[str, int]:
    """Queries per page (page cache off: what rendering costs), for a logged-in client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from layanan.accounts.models import EncryptedTOTPDevice as TOTPDevice

    counts = {}
    with override_settings(LDM_PUBLIC_PAGE_CACHE={}):
        for name, (_kind, path, who) in pages.items():
            client = Client()  # HTTPS as gunicorn reports it from the proxy: secure=True
            if who:
                user = users[who]
                client.force_login(user)
                if not user.is_resident:
                    session = client.session
                    device = TOTPDevice.objects.get(user=user)
                    session["otp_device_id"] = device.persistent_id
                    session.save()
            client.get(path, secure=True)  # warm: first-use caches
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, secure=True)
            assert response.status_code == 200, (name, response.status_code)
            counts[name] = len(captured.captured_queries)
    return counts


# --- Server and sessions -------------------------------------------------------------------


class Browser:
    """Just enough of a browser over HTTP to log in (cookies, CSRF), behind "HTTPS"."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        content = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        connection.close()
        return response.status, response.getheader("Location") or "", content

    def post_form(self, path: str, fields: dict):
        _status, _location, html = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, f"no CSRF token on {path}"
        return self.request("POST", path, {"csrfmiddlewaretoken": token.group(1), **fields})


def _totp(user) -> str:
    from django_otp.oath import TOTP

    from layanan.accounts.models import EncryptedTOTPDevice as TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def _log_in(port: int, user) -> str:
    """Log in through the server's own pages; return the Cookie header of the session."""
    browser = Browser(port)
    login = "/masuk/" if user.is_resident else "/petugas/masuk/"
    status, _location, _html = browser.post_form(
        login, {"identifier": user.username, "password": PASSWORD, "captcha": CAPTCHA}
    )
    assert status == 302, f"login of {user.username} failed ({status})"
    if not user.is_resident:  # the second factor: a code of the authenticator app
        status, _location, _html = browser.post_form("/petugas/masuk/kode/", {"code": _totp(user)})
        assert status == 302, f"second factor of {user.username} failed ({status})"
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def _start_server(port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LDM_BIND": f"127.0.0.1:{port}"}
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own server command
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                "config/gunicorn.conf.py",
                "config.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _wrk(port: int, path: str, *, seconds: int, connections: int, cookie: str | None, paths=None):
    script = Path(__file__).with_name("wrk_report.lua")
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        "X-Forwarded-Proto: https",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    env = dict(os.environ)
    if paths:
        env["WRK_PATHS"] = str(paths)
    result = subprocess.run(  # noqa: S603 - wrk against our own server on loopback
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    figures = json.loads(line)
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1_000_000)
    return figures


# --- Report -----------------------------------------------------------------------------------


def _print_table(results, baseline_rps, counts_small, counts_large, sizes):
    threads = sizes["threads"]
    threading = f"gthread, {threads} threads each" if threads > 1 else "sync"
    print()
    print(
        f"Data: {sizes['residents']:,} residents, {sizes['requests']:,} requests, "
        f"{sizes['villages']} villages; PostgreSQL, Redis cache and sessions; "
        f"gunicorn {sizes['workers']} workers ({threading}); "
        f"wrk {sizes['connections']} connections, "
        f"{sizes['seconds']} s per page"
    )
    header = (
        f"{'page':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'% base':>8}{'target':>8}{'met':>5}{'queries':>10}"
    )
    print(header)
    print("-" * len(header))
    print(f"{'baseline (bare view)':<24}{baseline_rps:>9.0f}")
    for name, (kind, figures) in results.items():
        share = figures["rps"] / baseline_rps
        target = PUBLIC_TARGET if kind == "public" else LOGGED_IN_TARGET
        p95 = figures["p95_us"] / 1000
        met = share >= target and p95 < P95_TARGET_MS and not figures["status_errors"]
        queries = f"{counts_small[name]}/{counts_large[name]}"
        print(
            f"{name:<24}{figures['rps']:>9.0f}{figures['p50_us'] / 1000:>9.1f}{p95:>9.1f}"
            f"{figures['p99_us'] / 1000:>9.1f}{share:>8.0%}{target:>8.0%}"
            f"{'yes' if met else 'NO':>5}{queries:>10}"
        )
    print(
        f"targets: public pages >= {PUBLIC_TARGET:.0%} of the baseline, pages behind login "
        f"(and the login form, which opens a session) >= {LOGGED_IN_TARGET:.0%}, "
        f"p95 < {P95_TARGET_MS} ms"
    )
    print(
        f"queries: per page at {sizes['small_requests']:,} / {sizes['requests']:,} requests "
        f"({'unchanged' if counts_small == counts_large else 'CHANGED'})"
    )


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument(
        "--full", action="store_true", help="the issue's full size: 200,000 / 1,000,000"
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.full:
        args.residents, args.requests = 200_000, 1_000_000
    return args


def _prepare(args, var_dir: Path) -> dict:
    """Migrate, generate a tenth of the data, count queries, generate the rest, count again."""
    from django.core.management import call_command
    from django.db import connections

    from layanan.letters.models import LetterRequest
    from layanan.regions.models import Village

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    small = (max(args.residents // 10, 100), max(args.requests // 10, 100))
    _generate(*small)
    users = _bench_users()
    pages = _pages(users)
    counts_small = _query_counts(pages, users)
    _generate(args.residents - small[0], args.requests - small[1])
    counts_large = _query_counts(pages, users)
    # The QR page is measured over many letters, as a crowd of different people checks them.
    tokens = var_dir / "tokens.txt"
    issued = LetterRequest.objects.filter(status="terbit").order_by("?")
    tokens.write_text(
        "\n".join(f"/v/{t}/" for t in issued.values_list("verification_token", flat=True)[:2000])
    )
    villages = Village.objects.count()
    # Write the generated gigabytes out now, so that the checkpoint does not land in the
    # middle of a measurement (it did: p95 of cached pages went from 40 ms to 500 ms).
    with connections["default"].cursor() as cursor:
        cursor.execute("CHECKPOINT")
    connections.close_all()
    return {
        "users": users,
        "pages": pages,
        "counts": (counts_small, counts_large),
        "tokens": tokens,
        "sizes": {
            "residents": args.residents,
            "requests": args.requests,
            "small_requests": small[1],
            "villages": villages,
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "seconds": args.seconds,
        },
    }


def _measure(args, port: int, prepared: dict):
    cookies = {who: _log_in(port, user) for who, user in prepared["users"].items()}
    print(f"Server on 127.0.0.1:{port}; logged in through the pages: {', '.join(cookies)}")
    for name, (_kind, path, who) in prepared["pages"].items():
        status = _check(port, path, cookies[who] if who else "")
        assert status == 200, f"{name}: {path} answers {status}"

    def measure(path, who=None, paths=None):
        common = {
            "connections": args.connections,
            "cookie": cookies[who] if who else None,
            "paths": paths,
        }
        _wrk(port, path, seconds=2, **common)  # warm up
        return _wrk(port, path, seconds=args.seconds, **common)

    before = measure("/bench/baseline/")
    results = {}
    for name, (kind, path, who) in prepared["pages"].items():
        rotation = prepared["tokens"] if name.startswith("verification") else None
        results[name] = (kind, measure(path, who, rotation))
        print(f"  {name}: {results[name][1]['rps']:.0f} req/s")
    after = measure("/bench/baseline/")
    print(f"  baseline: {before['rps']:.0f} req/s before the pages, {after['rps']:.0f} after")
    return results, (before["rps"] + after["rps"]) / 2


def main() -> None:
    args = _arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk (make bench-load installs it)")
    database = f"ldm_bench_{os.getpid()}"
    var_dir = Path(tempfile.mkdtemp(prefix="ldm-bench-load-"))
    _configure(args, database, var_dir)
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    _database(args.postgres, database, create=True)
    server = None
    try:
        import django

        django.setup()
        print(f"Database {database}: migrate, collect static files, generate data")
        prepared = _prepare(args, var_dir)
        port = _free_port()
        server = _start_server(port, var_dir / "gunicorn.log")
        results, baseline_rps = _measure(args, port, prepared)
        counts_small, counts_large = prepared["counts"]
        _print_table(results, baseline_rps, counts_small, counts_large, prepared["sizes"])
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _database(args.postgres, database, create=False)
        shutil.rmtree(var_dir, ignore_errors=True)
        redis.Redis.from_url(args.redis).flushdb()


def _check(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {})}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


if __name__ == "__main__":
    main()
