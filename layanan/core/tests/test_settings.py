"""The settings read the environment: each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': db['NAME'], 'host': db.get('HOST'), "
    "'cache': settings.CACHES['default']['BACKEND'], 'debug': settings.DEBUG}))"
)


def _settings_with(module: str, **environ: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_", "LDM_PKI"))
    }
    env.update(DJANGO_SETTINGS_MODULE=module, **environ)
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_sqlite_is_the_embedded_default(tmp_path):
    result = _settings_with("config.settings.base", LDM_VAR_DIR=str(tmp_path))

    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["debug"] is False


def test_database_url_switches_to_postgresql():
    result = _settings_with(
        "config.settings.base", DATABASE_URL="postgres://ldm:secret@db.internal:5433/ldm"
    )

    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"]) == ("ldm", "db.internal")


def test_cache_url_switches_to_redis():
    result = _settings_with("config.settings.base", CACHE_URL="rediscache://127.0.0.1:6379/1")

    # Django's Redis cache, made to degrade rather than fail (test_degradation.py).
    assert json.loads(result.stdout)["cache"] == "layanan.core.cache.ResilientRedisCache"


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_with("config.settings.production")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key():
    result = _settings_with(
        "config.settings.production",
        DJANGO_SECRET_KEY="x" * 64,
        LDM_PKI_PASSPHRASE="p" * 32,
        LDM_FILE_KEYS="test:" + "A" * 43 + "=",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_the_suite_runs_on_the_database_that_database_url_names(db):
    from django.db import connection

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
