"""Benchmark settings: base.py in a throwaway folder with its own SQLite database."""

import tempfile
from pathlib import Path

from config.settings.base import *
from config.settings.base import STORAGES, env

VAR_DIR = Path(tempfile.mkdtemp(prefix="ldm-bench-"))
DATABASES = {
    "default": env.db("BENCH_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'bench.sqlite3'}")
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "layanan.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private"},
    },
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": True}
