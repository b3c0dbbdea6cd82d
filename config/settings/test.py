"""Test settings: base.py with fast, isolated, deterministic choices."""

import tempfile
from pathlib import Path

from config.settings.base import *
from config.settings.base import STORAGES

# Each test run keeps its files apart from the developer's var/ folder.
VAR_DIR = Path(tempfile.mkdtemp(prefix="ldm-test-"))
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "layanan.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir()
WHITENOISE_USE_FINDERS = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Argon2 stays the hasher under test, with the smallest cost it allows, to keep tests quick.
PASSWORD_HASHERS = ["layanan.accounts.hashers.FastArgon2PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The Kode Keamanan is still required and checked, with a code the tests know.
LDM_CAPTCHA_FIXED_CODE = "4531"
CELERY_TASK_ALWAYS_EAGER = True
# Staff pages are tested without the second factor, except by the tests of the second factor.
LDM_STAFF_2FA = False
# The local PKI's keys are encrypted in tests too, under a passphrase the tests know.
LDM_PKI_PASSPHRASE = "kunci-uji-pki-bukan-rahasia"  # noqa: S105 - a test-only value
LDM_PKI_SCRYPT_N = 2**10  # as the fast password hasher above: quick, and still exercised
LDM_BACKUP_KEY = "kunci-uji-cadangan-bukan-rahasia"
LDM_BACKUP_SCRYPT_N = 2**10
