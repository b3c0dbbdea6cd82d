"""Degrade, don't fail (issue 16): the parts that fail the site can do without.

Redis (through a proxy the test cuts or hangs) is a miss within a short timeout, then not
asked again for a while; the rate limits keep counting in the database; the broker is given
one short try and the email waits in the outbox; a database that is gone is a 503 page that
needs no database. The same with real processes (gunicorn, a worker): test_degradation_live.py.
"""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext

from layanan.core.cache import (
    CacheUnavailable,
    CircuitBreaker,
    ResilientRedisCache,
    strict_cache,
)
from layanan.core.models import FallbackEntry
from layanan.core.tests.stand_ins import TcpProxy, free_port
from layanan.core.throttle import throttle

REDIS_PORT = 6379
# The pause of the breakers under test, and the socket timeout of the cache under test.
RETRY_AFTER = 0.5
SOCKET_TIMEOUT = 0.3


def _redis_or_skip() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(port=REDIS_PORT, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("LDM_TEST_BROKER_URL"):
            pytest.fail(f"Redis is required at 127.0.0.1:{REDIS_PORT}")
        pytest.skip(f"no Redis at 127.0.0.1:{REDIS_PORT}")


def _cache_params(port: int) -> dict:
    return {
        "BACKEND": "layanan.core.cache.ResilientRedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/13",
        "RETRY_AFTER": RETRY_AFTER,
        "KEY_PREFIX": f"ldm-test-{port}",
        "OPTIONS": {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT},
    }


def _cache(port: int) -> ResilientRedisCache:
    params = _cache_params(port)
    return ResilientRedisCache(params["LOCATION"], params)


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.fixture
def redis_proxy():
    with TcpProxy(REDIS_PORT) as proxy:
        yield proxy


# --- The circuit breaker ---------------------------------------------------------------------


def test_the_breaker_skips_after_a_failure_then_lets_one_call_probe():
    breaker = CircuitBreaker(retry_after=RETRY_AFTER)
    assert breaker.allow()

    assert breaker.failed() is True
    assert breaker.allow() is False
    time.sleep(RETRY_AFTER + 0.1)
    assert breaker.allow() is True  # the probe
    assert breaker.allow() is False  # the others wait for its answer
    assert breaker.succeeded() is True
    assert breaker.allow() is True
    assert breaker.succeeded() is False  # already closed


# --- The Redis cache ------------------------------------------------------------------------


def test_a_cut_redis_is_a_miss_at_once(redis_proxy):
    redis_proxy.cut()
    cache = _cache(redis_proxy.port)

    value = cache.get("page", "miss")
    assert cache.breaker.is_open  # the refusal opened it: the next calls do not try Redis
    cache.set("page", "html")  # skipped, no error
    assert cache.delete("page") is False

    assert value == "miss"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == ["a"]
    with pytest.raises(ValueError, match="unavailable"):
        cache.incr("count")
    with pytest.raises(CacheUnavailable):
        cache.strict.get("page")


def test_a_hanging_redis_costs_one_timeout_then_is_not_asked(redis_proxy):
    redis_proxy.hang()
    cache = _cache(redis_proxy.port)

    first, first_elapsed = _timed(lambda: cache.get("page", "miss"))
    asked = redis_proxy.accepted
    later = [_timed(lambda: cache.get("page", "miss")) for _ in range(20)]

    print(f"\nhanging Redis: first get {first_elapsed:.3f} s, the next 20 gets", end=" ")
    print(f"{sum(elapsed for _, elapsed in later):.3f} s in all")
    assert first == "miss"
    assert asked == 1  # it did ask (and wait for its socket timeout)
    assert cache.breaker.is_open
    assert [value for value, _ in later] == ["miss"] * 20
    assert redis_proxy.accepted == asked  # skipped while the breaker is open
    time.sleep(RETRY_AFTER + 0.1)
    assert cache.get("page", "miss") == "miss"  # one probe, bounded again
    assert redis_proxy.accepted == asked + 1


def test_redis_is_used_again_when_it_answers_and_stale_copies_are_gone(redis_proxy):
    _redis_or_skip()
    cache = _cache(redis_proxy.port)
    cache.set("session", "logged in", 60)
    cache.set("page", "old html", 60)
    assert cache.get("session") == "logged in"

    redis_proxy.cut()
    cache.delete("session")  # a logout: the database row is gone, Redis is not reached
    cache.set("page", "new html", 60)  # an edit: not stored
    assert cache.get("session") is None
    redis_proxy.forward()
    time.sleep(RETRY_AFTER + 0.1)

    # Neither the logged-out session nor the old page comes back.
    assert cache.get("session") is None
    assert cache.get("page") is None
    cache.set("page", "new html", 60)
    assert cache.get("page") == "new html"
    assert not cache.breaker.is_open
    cache.delete_many(["page", "session"])


def test_add_claims_a_key_once_in_the_database_while_redis_is_unavailable(db, redis_proxy):
    """A Kode Keamanan answered is used up, with Redis or without."""
    redis_proxy.cut()
    cache = _cache(redis_proxy.port)

    assert cache.add("captcha-used:n1", 1, 600) is True
    assert cache.add("captcha-used:n1", 1, 600) is False
    assert cache.add("captcha-used:n2", 1, 600) is True

    # The database holds digests of the keys, not the keys.
    assert FallbackEntry.objects.count() == 2
    assert not FallbackEntry.objects.filter(key__contains="n1").exists()


def test_strict_cache_is_the_cache_itself_for_other_backends():
    assert strict_cache() is not None
    strict_cache().set("x", 1)
    assert strict_cache().get("x") == 1


def test_the_health_check_fails_at_once_while_the_breaker_is_open(client, db, redis_proxy):
    redis_proxy.hang()
    with override_settings(CACHES={"default": _cache_params(redis_proxy.port)}):
        first, first_elapsed = _timed(lambda: client.get(reverse("core:health")))
        asked = redis_proxy.accepted
        second, second_elapsed = _timed(lambda: client.get(reverse("core:health")))

    print(f"\n/sehat/ with Redis hanging: {first_elapsed:.3f} s, then {second_elapsed:.3f} s")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["status"] == second.json()["status"] == "degraded"
    assert first.json()["checks"]["cache"] == "failed"
    assert asked >= 1
    assert redis_proxy.accepted == asked  # the second check did not wait on Redis at all


# --- Rate limits without the cache ----------------------------------------------------------


@pytest.fixture
def cut_cache(redis_proxy):
    redis_proxy.cut()
    with override_settings(CACHES={"default": _cache_params(redis_proxy.port)}):
        yield


@pytest.mark.usefixtures("cut_cache")
def test_a_throttle_counts_in_the_database_while_the_cache_is_unavailable(db):
    limiter = throttle("login-account")
    account = "3325114506950003"
    limit = settings.LDM_THROTTLES["login-account"][0]

    assert [limiter.hit(account) for _ in range(limit - 1)] == [None] * (limit - 1)
    assert limiter.locked_until(account) is None
    until = limiter.hit(account)

    assert until is not None
    assert limiter.locked_until(account) == until
    assert not FallbackEntry.objects.filter(key__contains=account).exists()
    limiter.reset(account)
    assert limiter.locked_until(account) is None
    assert FallbackEntry.objects.count() == 0


@pytest.mark.usefixtures("cut_cache")
def test_the_rows_of_windows_long_gone_are_deleted(db):
    limiter = throttle("login-address")
    limiter.hit("10.0.0.1")
    FallbackEntry.objects.update(expires_at="2020-01-01T00:00:00Z")

    limiter.hit("10.0.0.2")  # a new counter: old rows go

    assert FallbackEntry.objects.count() == 1
    assert limiter.hit("10.0.0.1") is None  # its window had ended: counting starts over
    assert FallbackEntry.objects.get(key=limiter._key("count", "10.0.0.1")).count == 1


@pytest.mark.usefixtures("cut_cache")
def test_a_login_is_still_limited_while_the_cache_is_unavailable(client, resident):
    """Neither open (every guess evaluated) nor closed (nobody logs in): the limit holds."""
    resident.set_password("Benar-123")
    resident.save()
    limit = settings.LDM_THROTTLES["login-account"][0]
    wrong = gettext("The NIK or password is wrong.")

    def attempt(password):
        client.get(reverse("accounts:login"))  # a new Kode Keamanan
        form = {"identifier": resident.username, "password": password, "captcha": "4531"}
        return client.post(reverse("accounts:login"), form).content.decode()

    answers = [attempt("salah-sekali") for _ in range(limit)]
    after = attempt("Benar-123")  # even the right password: locked

    assert all(wrong in answer for answer in answers[:-1])
    assert "Terlalu banyak percobaan yang gagal" in answers[-1]
    assert "Terlalu banyak percobaan yang gagal" in after
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("cut_cache")
def test_a_login_works_while_the_cache_is_unavailable(client, resident):
    resident.set_password("Benar-123")
    resident.save()
    client.get(reverse("accounts:login"))

    response = client.post(
        reverse("accounts:login"),
        {"identifier": resident.username, "password": "Benar-123", "captcha": "4531"},
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


# --- The database is gone: a 503 page that needs no database --------------------------------


def _database_gone(request):
    raise OperationalError("connection to server at db.internal failed: Connection refused")


def _other_error(request):
    raise ValueError("a bug")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [
    path("gone/", _database_gone),
    path("bug/", _other_error),
    path("ok/", _fine),
]


class DatabaseGoneOnTheWayOut:
    """As SessionMiddleware saving a session when the database has just gone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("server closed the connection unexpectedly")


def _unavailable_text() -> str:
    with translation.override("id"):
        return gettext("Service temporarily disturbed")


@pytest.mark.urls(__name__)
def test_a_page_whose_database_is_gone_answers_503_without_the_database(client):
    # No database access is allowed in this test: the 503 page must not need one.
    response = client.get("/gone/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert _unavailable_text() in html
    assert "db.internal" not in html
    assert '<html lang="id">' in html


@pytest.mark.urls(__name__)
def test_a_database_failure_in_a_middleware_is_a_503_too(client):
    client.raise_request_exception = False  # the test client would re-raise it
    stack = [*settings.MIDDLEWARE, f"{__name__}.DatabaseGoneOnTheWayOut"]
    with override_settings(MIDDLEWARE=stack):
        response = client.get("/ok/")

    assert response.status_code == 503
    assert _unavailable_text() in response.content.decode()


@pytest.mark.urls(__name__)
def test_other_errors_are_still_a_500(client):
    client.raise_request_exception = False

    assert client.get("/bug/").status_code == 500


# --- Settings ---------------------------------------------------------------------------------

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default'].get('OPTIONS', {}), "
    "'cache': {k: v for k, v in settings.CACHES['default'].items() if k != 'LOCATION'}, "
    "'broker': [settings.CELERY_BROKER_CONNECTION_TIMEOUT, settings.CELERY_TASK_PUBLISH_RETRY, "
    "settings.CELERY_BROKER_TRANSPORT_OPTIONS['max_retries']]}))"
)


def _settings_with(**environ: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "DJANGO_", "CACHE_URL", "LDM_DB_", "LDM_CACHE_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", **environ)
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_connections_have_connect_and_statement_timeouts():
    values = _settings_with(DATABASE_URL="postgres://ldm@db.internal/ldm")
    tuned = _settings_with(
        DATABASE_URL="postgres://ldm@db.internal/ldm?connect_timeout=7",
        LDM_DB_STATEMENT_TIMEOUT="5",
    )

    assert values["db"]["connect_timeout"] == 3
    assert values["db"]["options"] == "-c statement_timeout=30000"
    assert values["db"]["tcp_user_timeout"] == 10000
    assert int(tuned["db"]["connect_timeout"]) == 7  # the URL wins
    assert tuned["db"]["options"] == "-c statement_timeout=5000"


def test_a_redis_cache_url_gets_short_timeouts_and_a_breaker():
    values = _settings_with(CACHE_URL="rediscache://127.0.0.1:6379/1")

    assert values["cache"]["BACKEND"] == "layanan.core.cache.ResilientRedisCache"
    assert values["cache"]["RETRY_AFTER"] == 5.0
    assert values["cache"]["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
    # Sending a task: one short connection attempt, no publish retry.
    assert values["broker"] == [1.0, False, 0]


def test_a_closed_port_is_refused():
    """The stand-in's cut: what the tests above rely on."""
    with TcpProxy(free_port()) as proxy:
        proxy.cut()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1)
