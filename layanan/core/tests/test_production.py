"""The production tier: deploy checks, the health endpoint, logs without personal data, and
rate limits shared between processes through Redis."""

import base64
import datetime as dt
import json
import logging
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from layanan.core.logging import JsonFormatter, PersonalDataFilter, mask_personal_data
from layanan.core.tests.stand_ins import free_port

# Production refuses to start without a keyring for the private files (layanan.core.crypto).
FILE_KEYS = f"test:{base64.b64encode(secrets.token_bytes(32)).decode()}"

REDIS_URL = os.environ.get("LDM_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _run(code: str, **environ: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CACHE_URL", "LDM_PKI", "LDM_PUBLIC_URL"))
    }
    env.update(environ)
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, *code.split("\0")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# --- manage.py check --deploy -----------------------------------------------------------


def test_production_settings_pass_the_deploy_checks_without_warnings(tmp_path):
    result = _run(
        "manage.py\0check\0--deploy\0--fail-level\0WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        LDM_PKI_PASSPHRASE=secrets.token_urlsafe(24),
        LDM_FILE_KEYS=FILE_KEYS,
        LDM_PUBLIC_URL="https://desa.example",
        DJANGO_ALLOWED_HOSTS="desa.example",
        LDM_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("public_url", ["", "http://127.0.0.1:8000", "http://desa.example"])
def test_the_deploy_check_refuses_a_public_url_that_is_not_public(tmp_path, public_url):
    """It is signed into every QR code and certificate: not localhost, not plain HTTP."""
    result = _run(
        "manage.py\0check\0--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="desa.example",
        LDM_PKI_PASSPHRASE=secrets.token_urlsafe(24),
        LDM_FILE_KEYS=FILE_KEYS,
        LDM_PUBLIC_URL=public_url,
        LDM_VAR_DIR=str(tmp_path),
    )

    assert result.returncode != 0
    assert "layanan.E001" in result.stderr


def test_production_refuses_to_start_without_the_pki_passphrase(tmp_path):
    result = _run(
        "manage.py\0check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        LDM_VAR_DIR=str(tmp_path),
    )

    assert result.returncode != 0
    assert "LDM_PKI_PASSPHRASE" in result.stderr


PRINT_PRODUCTION = (
    "-c\0import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'hsts': settings.SECURE_HSTS_SECONDS, "
    "'ssl_redirect': settings.SECURE_SSL_REDIRECT, "
    "'cookies_secure': settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE, "
    "'static': settings.STORAGES['staticfiles']['BACKEND'], "
    "'session': settings.SESSION_ENGINE, "
    "'log_format': settings.LOGGING['handlers']['console']['formatter'], "
    "'captcha': settings.LDM_CAPTCHA_FIXED_CODE, "
    "'csp_middleware': 'csp.middleware.CSPMiddleware' in settings.MIDDLEWARE}))"
)


def test_production_is_https_only_with_json_logs_and_compressed_static_files(tmp_path):
    result = _run(
        PRINT_PRODUCTION,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        LDM_PKI_PASSPHRASE=secrets.token_urlsafe(24),
        LDM_FILE_KEYS=FILE_KEYS,
        LDM_PUBLIC_URL="https://desa.example",
        DJANGO_SESSION_ENGINE="cached_db",
        LDM_CAPTCHA_FIXED_CODE="1234",
        LDM_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "hsts": 31536000,
        "ssl_redirect": True,
        "cookies_secure": True,
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "session": "django.contrib.sessions.backends.cached_db",
        "log_format": "json",
        "captcha": "",
        "csp_middleware": True,
    }


# --- /sehat/ ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_reports_each_dependency(client):
    response = client.get(reverse("core:health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "storage": "ok",
            "cache": "ok",
            "broker": "ok",
            "letters": "ok",
        },
    }
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_health_says_degraded_not_503_when_the_cache_and_broker_are_down(client):
    """The site serves without them (pages miss the cache, emails wait in the outbox): a
    load balancer must keep sending visitors."""
    closed = free_port()
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "layanan.core.cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{closed}/0",
            }
        },
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{closed}//",
    ):
        response = client.get(reverse("core:health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {
            "database": "ok",
            "storage": "ok",
            "cache": "failed",
            "broker": "failed",
            "letters": "ok",
        },
    }
    assert str(closed) not in response.content.decode()


@pytest.mark.django_db
def test_health_says_503_when_the_private_files_cannot_be_stored(client, tmp_path):
    """Not ready to serve: a load balancer sends visitors to another server."""
    (tmp_path / "disk").write_text("a file where the folder should be")
    storage = {
        "BACKEND": "layanan.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": tmp_path / "disk" / "private"},
    }
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        response = client.get(reverse("core:health"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "checks": {
            "database": "ok",
            "storage": "failed",
            "cache": "ok",
            "broker": "ok",
            "letters": "ok",
        },
    }
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("LDM_TEST_BROKER_URL"), reason="LDM_TEST_BROKER_URL is not set"
)
def test_health_reaches_a_real_broker(client):
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=os.environ["LDM_TEST_BROKER_URL"]
    ):
        response = client.get(reverse("core:health"))

    assert response.json()["checks"]["broker"] == "ok"


# --- Logs -------------------------------------------------------------------------------


def _record(message, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("layanan.test", logging.WARNING, __file__, 1, message, args, exc_info)


def test_the_log_filter_masks_niks_and_email_addresses():
    record = _record("login failed for %s (%s), request %s", "3325114506950003", "siti@mail.id", 7)

    assert PersonalDataFilter().filter(record) is True
    assert record.getMessage() == "login failed for [NIK] ([email]), request 7"


def test_the_log_filter_keeps_other_numbers():
    text = "request 2026112600059 letter 470/001/XI/2026 phone 085740050060 id 12345678901234567"

    assert mask_personal_data(text) == text


def test_the_log_filter_masks_tracebacks_too():
    try:
        raise ValueError("duplicate key (username)=(3325114506950003)")
    except ValueError:
        record = _record("could not save", exc_info=sys.exc_info())

    PersonalDataFilter().filter(record)

    assert record.exc_text is not None
    assert "3325114506950003" not in record.exc_text
    assert "[NIK]" in record.exc_text


def test_json_logs_are_one_object_a_line_without_personal_data():
    record = _record("email to %s sent", "budi@example.com")
    PersonalDataFilter().filter(record)
    record.event = "email.sent"

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "email to [email] sent"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "layanan.test"
    assert entry["event"] == "email.sent"
    assert dt.datetime.fromisoformat(entry["time"]).tzinfo is not None


def test_every_handler_of_the_configuration_masks_personal_data():
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert "personal_data" in handler.get("filters", []), name


def test_a_production_process_logs_json_without_personal_data(tmp_path):
    result = _run(
        "-c\0import django, logging; django.setup(); "
        "logging.getLogger('layanan.x').warning('resident %s <%s>', '3325114506950003', "
        "'siti@example.com')",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        LDM_PKI_PASSPHRASE=secrets.token_urlsafe(24),
        LDM_FILE_KEYS=FILE_KEYS,
        LDM_PUBLIC_URL="https://desa.example",
        LDM_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "resident [NIK] <[email]>"


# --- Rate limits across processes (Redis) ------------------------------------------------


def _redis_or_skip():
    redis = pytest.importorskip("redis")  # the client Django's RedisCache uses
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("LDM_TEST_BROKER_URL"):
            pytest.fail(f"Redis is required at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return redis


HIT_ONCE = (
    "-c\0import django, sys; django.setup(); "
    "from layanan.core.throttle import throttle; "
    "until = throttle('login-account').hit(sys.argv[1]); "
    "print('locked' if until else 'counted')\0"
)


@pytest.mark.django_db
def test_throttles_count_across_processes_on_redis():
    redis = _redis_or_skip()
    from layanan.core.throttle import throttle

    account = f"33251145069{secrets.randbelow(10**5):05d}"
    limit = settings.LDM_THROTTLES["login-account"][0]
    redis_cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    with override_settings(CACHES=redis_cache):
        limiter = throttle("login-account")
        limiter.reset(account)
        try:
            for _ in range(limit - 1):
                assert limiter.hit(account) is None
            # Another process (another web worker) makes the last failed attempt.
            result = _run(
                HIT_ONCE + account,
                DJANGO_SETTINGS_MODULE="config.settings.base",
                DJANGO_SECRET_KEY=settings.SECRET_KEY,
                LDM_PKI_PASSPHRASE=settings.LDM_PKI_PASSPHRASE,
                CACHE_URL=REDIS_URL.replace("redis://", "rediscache://"),
                LDM_VAR_DIR=str(settings.VAR_DIR),
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip() == "locked"

            assert limiter.locked_until(account) is not None
            # The keys are HMACs: Redis never holds the NIK in clear.
            client = redis.Redis.from_url(REDIS_URL)
            assert list(client.scan_iter(match=f"*{account}*")) == []
        finally:
            limiter.reset(account)


@pytest.mark.django_db
def test_sessions_may_live_in_the_redis_cache():
    _redis_or_skip()
    from importlib import import_module

    redis_cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    with override_settings(
        CACHES=redis_cache, SESSION_ENGINE="django.contrib.sessions.backends.cache"
    ):
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        session = store_class()
        session["ldm_test"] = "value"
        session.save()

        assert store_class(session.session_key)["ldm_test"] == "value"
        session.delete()
