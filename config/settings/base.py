"""Settings of Layanan Desa Mandiri, read from the environment in this one place.

Every value has an embedded default that runs on one machine with nothing to install
(SQLite, files under ``var/``, emails written to a folder, background work in process).
Production switches each part to a real server by environment variables; see the
configuration table in README.md. ``production.py`` tightens what must not have a default.
"""

import os
import secrets
from contextlib import suppress
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local `.env` file (never committed) may hold the same variables for development.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime data of the embedded default: database, private files, mail, keys.
VAR_DIR = Path(env.str("LDM_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The port `make run` serves on (`make run PORT=8001`): the site's own addresses below
# (LDM_PUBLIC_URL, the demo's news feed) follow it unless they are given.
LDM_RUN_PORT = env.int("LDM_RUN_PORT", default=8000)


def _local_secret_key() -> str:
    """The embedded default keeps a random key in var/, created on first use, never committed;
    var/ is made 0700 and the key 0600 whatever the umask (layanan.core.private_files)."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        if not VAR_DIR.exists():
            VAR_DIR.mkdir(mode=0o700, parents=True)
            VAR_DIR.chmod(0o700)
        with suppress(FileExistsError):
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                os.fchmod(descriptor, 0o600)
                handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _local_secret_key()


def _secret_key_fallbacks() -> list[str]:
    """Earlier secret keys, still accepted for signed links: DJANGO_SECRET_KEY_FALLBACKS, and
    what a restore kept of the backed-up installation's (var/secret-key-fallbacks)."""
    kept = VAR_DIR / "secret-key-fallbacks"
    restored = kept.read_text().split() if kept.exists() else []
    return env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[]) + restored


SECRET_KEY_FALLBACKS = _secret_key_fallbacks()

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------

# The project's apps come first: their templates and Indonesian catalogues take precedence
# over those of Django's contrib apps (e.g. our "Password", where Django says "Sandi").
INSTALLED_APPS = [
    # Our apps in their layer order, lowest first (pyproject.toml, [tool.importlinter]).
    "layanan.core",
    "layanan.regions",
    "layanan.audit",
    "layanan.notifications",
    "layanan.accounts",
    "layanan.letters",
    "layanan.documents",
    "layanan.verification",
    "layanan.content",
    "layanan.privacy",
    "layanan.backoffice",
    "layanan.scale",
    "layanan.backup",
    "layanan.demo",
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a body: one over LDM_REQUEST_MAX_BYTES is refused unread (413).
    "layanan.core.middleware.RequestSizeLimitMiddleware",
    # Outside everything that may touch the database: a page whose database is gone is a 503.
    "layanan.core.middleware.DatabaseUnavailableMiddleware",
    # A NUL or a byte that is not UTF-8 in the address, a cookie or a form: 400, before any query.
    "layanan.core.middleware.InvalidCharactersMiddleware",
    "layanan.core.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A walk-in registration abandoned at the counter leaves no NIK in the session.
    "layanan.letters.walk_in.WalkInExpiryMiddleware",
    # Pages of logged-in users show personal data: Cache-Control: no-store.
    "layanan.core.middleware.PrivatePagesNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "layanan.regions.context_processors.site",
                "layanan.letters.context_processors.staff_badges",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
    # instead of failing with "database is locked" when a read lock cannot be upgraded.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is gone or hangs must not hold a page until gunicorn's 60 s timeout:
    # connecting gives up after LDM_DB_CONNECT_TIMEOUT seconds (libpq's minimum is 2), a
    # statement after LDM_DB_STATEMENT_TIMEOUT seconds (0: never; the backup turns it off for
    # its snapshot), unacknowledged writes to a vanished server after LDM_DB_TCP_USER_TIMEOUT
    # seconds; the page then answers 503 (layanan.core.middleware). Values in DATABASE_URL's
    # query string win.
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", env.int("LDM_DB_CONNECT_TIMEOUT", default=3))
    _db_options.setdefault(
        "tcp_user_timeout", 1000 * env.int("LDM_DB_TCP_USER_TIMEOUT", default=10)
    )
    _statement_ms = 1000 * env.int("LDM_DB_STATEMENT_TIMEOUT", default=30)
    _db_options["options"] = (
        f"-c statement_timeout={_statement_ms} {_db_options.get('options', '')}".strip()
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["layanan.accounts.backends.AccountBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's rules with messages of our own (layanan/accounts/validators.py), and the guide's.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "layanan.accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "layanan.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "layanan.accounts.validators.CommonPasswordValidator"},
    {"NAME": "layanan.accounts.validators.NumericPasswordValidator"},
    {"NAME": "layanan.accounts.validators.MixedCharactersValidator"},
]

# --- Language, time, formats ------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia")]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# Indonesian dates are written "06 November 2022": see config/formats/id/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and private files ----------------------------------------------------------------


def _package_dir(dist_name: str, relative: str) -> Path:
    """A data folder inside an installed distribution, found without importing it."""
    try:
        return Path(str(distribution(dist_name).locate_file(relative)))
    except PackageNotFoundError:  # pragma: no cover - only on a broken install
        return BASE_DIR / "missing" / dist_name


BOOTSTRAP_DIR = _package_dir("XStatic-Bootstrap", "xstatic/pkg/bootstrap/data")
ICONS_DIR = _package_dir("fontawesomefree", "fontawesomefree/static/fontawesomefree/svgs")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [("vendor/bootstrap", BOOTSTRAP_DIR)]
STORAGES = {
    # Uploaded identity documents and issued letters are private: the storage has no
    # public base URL; files are only ever streamed by views that check permissions.
    "default": {
        "BACKEND": "layanan.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private"},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "LDM_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}
# LDM_STORAGE=s3 keeps the private files in an S3-compatible bucket (AWS S3, MinIO, Ceph...).
# The bucket must not be public; the storage refuses to make URLs, exactly like the local one.
# Credentials come from boto3's own sources (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
LDM_STORAGE = env.str("LDM_STORAGE", default="local")
if LDM_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "layanan.core.storage_s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("LDM_S3_BUCKET"),
            "endpoint_url": env.str("LDM_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("LDM_S3_REGION", default="") or None,
            "location": env.str("LDM_S3_PREFIX", default=""),
            "addressing_style": env.str("LDM_S3_ADDRESSING_STYLE", default="") or None,
        },
    }
elif LDM_STORAGE != "local":
    raise ImproperlyConfigured("LDM_STORAGE must be 'local' or 's3'.")
# In development static files come straight from the apps and packages, no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Cache, sessions -----------------------------------------------------------------------

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://ldm"),
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis down or hanging must not take the site down: short socket timeouts, and a circuit
    # breaker that skips Redis for LDM_CACHE_RETRY_SECONDS after a failure (reads miss, writes
    # wait; the rate limits count in the database meanwhile). See layanan/core/cache.py.
    CACHES["default"]["BACKEND"] = "layanan.core.cache.ResilientRedisCache"
    CACHES["default"]["RETRY_AFTER"] = env.float("LDM_CACHE_RETRY_SECONDS", default=5.0)
    _cache_options = CACHES["default"].setdefault("OPTIONS", {})
    _cache_options.setdefault(
        "socket_connect_timeout", env.float("LDM_CACHE_CONNECT_TIMEOUT", default=0.5)
    )
    _cache_options.setdefault("socket_timeout", env.float("LDM_CACHE_TIMEOUT", default=1.0))
# Where sessions live: "db" (the default), "cache" or "cached_db" (with CACHE_URL on Redis,
# so that any number of web servers share them), or a full Django session engine path.
_SESSION_ENGINE = env.str("DJANGO_SESSION_ENGINE", default="db")
SESSION_ENGINE = (
    _SESSION_ENGINE
    if "." in _SESSION_ENGINE
    else f"django.contrib.sessions.backends.{_SESSION_ENGINE}"
)
# How many web processes serve the site (gunicorn's own variable, config/gunicorn.conf.py).
# With more than one, sessions must not live in a cache of each process's own (system check
# layanan.E020); counters and single-use codes are shared through the database then anyway.
LDM_WEB_PROCESSES = env.int("WEB_CONCURRENCY", default=1)
# Public pages served from the cache to visitors without a session: URL name -> seconds
# (layanan.core.middleware). Off here; production.py turns it on.
LDM_PUBLIC_PAGE_CACHE: dict[str, int] = {}
# Statistics of a kecamatan or the kabupaten aggregate up to a million requests (about 1.6 s
# at Batang's size): they are kept this many seconds (0: always computed). The page says
# "as of" when; a village's statistics are always computed afresh.
LDM_STATISTICS_CACHE_SECONDS = env.int("LDM_STATISTICS_CACHE_SECONDS", default=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
CSRF_COOKIE_HTTPONLY = True

# --- Security headers (production.py adds HTTPS-only ones) -----------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts, styles and fonts only from this site, never
# inline; PDF previews may be framed by our own pages, and nothing frames ours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-src": ["'self'"],
    },
}

# --- Abuse limits ------------------------------------------------------------------------------

# scope: (failures allowed, within seconds, then locked for seconds). Counted in the cache
# when it is shared by all processes (Redis), else in the database (layanan.core.cache).
LDM_THROTTLES = {
    # Logins (layanan/accounts/authentication.py): one account from one address; one address
    # over all accounts; one account from everywhere, which then locks only browsers that
    # never logged in to it (its owner's keep working).
    "login-account": (5, 15 * 60, 15 * 60),
    "login-address": (20, 15 * 60, 15 * 60),
    "login-account-total": (20, 60 * 60, 60 * 60),
    "register-address": (10, 60 * 60, 60 * 60),
    "password-reset-address": (5, 60 * 60, 60 * 60),
    "confirm-resend-address": (5, 60 * 60, 60 * 60),
    "verify-upload-address": (30, 60 * 60, 60 * 60),
    # Wrong access codes of letters' PDFs (verification page): 10 an hour per address.
    "letter-code-address": (10, 60 * 60, 60 * 60),
    "sign-passphrase-user": (5, 15 * 60, 15 * 60),
    # The public TSA and OCSP responder: generous for validators and archives, bounded for one
    # address that would turn them into free signing services.
    "pki-tsa-address": (1200, 60 * 60, 15 * 60),
    "pki-ocsp-address": (3000, 60 * 60, 15 * 60),
}
# How many reverse proxies in front of the site append to X-Forwarded-For (0: none).
LDM_TRUSTED_PROXY_COUNT = env.int("LDM_TRUSTED_PROXY_COUNT", default=0)
# A fixed Kode Keamanan for automated tests; production.py refuses it.
LDM_CAPTCHA_FIXED_CODE = env.str("LDM_CAPTCHA_FIXED_CODE", default="")
# Email confirmation links expire after this many seconds.
LDM_CONFIRMATION_MAX_AGE = 3 * 24 * 60 * 60
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
# Identity document uploads (KTP, KK): a phone's camera photo as it comes, up to 20 MB. It is
# also the largest file any form accepts: of a larger one only the size is kept
# (layanan.core.upload_handlers), and its form says so beside the field.
LDM_UPLOAD_MAX_BYTES = env.int("LDM_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Photos are stored with at most this many pixels on the longest side: a KTP or KK stays
# legible, a 12 MB photo becomes one of about 1 MB.
LDM_UPLOAD_MAX_SIDE = 2000
# The largest request body read at all: a larger one is refused from its Content-Length
# before it is read (413, layanan.core.middleware). Room for the largest form (a KTP and a
# KK of 20 MB each) with a margin, so that a file somewhat over its form's own limit still
# reaches the form and is told that limit. The proxy in front should refuse the same
# (nginx: client_max_body_size).
LDM_REQUEST_MAX_BYTES = env.int("LDM_REQUEST_MAX_BYTES", default=45 * 1024 * 1024)
# 50 MP: the largest photos of today's phones (48 MP "HEIF Max" on an iPhone, 50 MP modes).
LDM_UPLOAD_MAX_PIXELS = 50_000_000
LDM_UPLOAD_MAX_PDF_PAGES = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "layanan.core.upload_handlers.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LOGIN_URL = "accounts:login"
# Staff (operators, heads, the district admin) confirm their login with a TOTP code from an
# authenticator app; they enrol on first login. Tests turn it off except where they test it.
LDM_STAFF_2FA = env.bool("LDM_STAFF_2FA", default=True)
OTP_TOTP_ISSUER = "Layanan Desa Mandiri"

# --- Email ------------------------------------------------------------------------------------

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="layanan.core.mail.PrivateFileEmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
# SMTP, with DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# A stuck mail server must not hold a worker forever; an attempt stuck for 3 x EMAIL_TIMEOUT
# counts as abandoned (layanan/notifications/delivery.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Layanan Desa Mandiri <no-reply@desa.localhost>"
)

# --- Background work (Celery) -------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
# Without a real broker, tasks run in process as soon as they are queued (after commit).
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only when done: a worker killed mid-task loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task still running when the broker connection drops is redelivered: stop it, not twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The queue of this installation; installations (or test runs) sharing a broker use their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("LDM_TASK_QUEUE", default="celery")
# Redis gives a task back to the queue when it is not acknowledged within this many seconds
# (its worker died). Longer than any task and than the longest retry delay (1 hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("LDM_BROKER_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
}
# A page never waits on the broker: it sends a task once (no publish retry), giving up after
# LDM_BROKER_TIMEOUT seconds to connect (TCP and AMQP handshake) or to write; the outbox sweep
# below sends what was not queued (layanan/notifications/queueing.py). After a failure a page
# skips the broker for LDM_BROKER_RETRY_SECONDS. The workers keep retrying their own
# connection as before (broker_connection_retry, broker_connection_max_retries).
LDM_BROKER_TIMEOUT = env.float("LDM_BROKER_TIMEOUT", default=1.0)
LDM_BROKER_RETRY_SECONDS = env.float("LDM_BROKER_RETRY_SECONDS", default=10.0)
CELERY_BROKER_CONNECTION_TIMEOUT = LDM_BROKER_TIMEOUT
CELERY_BROKER_POOL_LIMIT = env.int("LDM_BROKER_POOL_LIMIT", default=10)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    # Sending connects once (kombu would retry for the connect timeout, 2 s apart).
    max_retries=0,
    write_timeout=LDM_BROKER_TIMEOUT,
)
# A failed task is retried after this many seconds, then twice as long each time (max 1 hour).
LDM_TASK_RETRY_BACKOFF = env.int("LDM_TASK_RETRY_BACKOFF", default=30)
# The workers log through LOGGING below (JSON, personal data masked), not Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# `celery -A config beat`: periodic work. The sweep sends emails the broker never delivered.
# Every night the PKI's upkeep (CRLs, OCSP, the time-stamping unit) and then the archive
# timestamps of letters that need them (manage.py pki_maintain does both by hand).
CELERY_BEAT_SCHEDULE = {
    "send-pending-emails": {
        "task": "layanan.notifications.tasks.send_pending_emails",
        "schedule": 5 * 60,
    },
    "maintain-pki": {
        "task": "layanan.documents.tasks.maintain_pki",
        "schedule": crontab(hour=1, minute=30),
    },
    "renew-letter-archives": {
        "task": "layanan.documents.tasks.renew_letter_archives",
        "schedule": crontab(hour=2, minute=0),
    },
    # Files no row holds are quarantined; issued letters without their PDF are reported.
    "reconcile-files": {
        "task": "layanan.backup.tasks.reconcile_files",
        "schedule": crontab(hour=2, minute=30),
    },
    # Into LDM_BACKUP_DIR, if set (layanan.backup.services.backup_scheduled).
    "backup": {"task": "layanan.backup.tasks.backup", "schedule": crontab(hour=3, minute=0)},
    # KTP/KK files and closed accounts past their retention (manage.py privacy_purge).
    "privacy-purge": {
        "task": "layanan.privacy.tasks.purge_past_retention",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- News feed (Berita) ---
# The kabupaten news portal's feed: an RSS or Atom address, a WordPress site or its
# /wp-json/wp/v2/posts endpoint. Empty: no news is fetched and the Berita page says so.
# In debug mode (`make run`) the site serves a fictional portal's feed itself (layanan.demo,
# LDM_DEMO_NEWS) and reads it like a real one's, so that Berita is not empty in the demo.
LDM_DEMO_NEWS = env.bool("LDM_DEMO_NEWS", default=DEBUG)
LDM_NEWS_FEED_URL = env.str(
    "LDM_NEWS_FEED_URL",
    default=f"http://127.0.0.1:{LDM_RUN_PORT}/demo/berita.xml" if LDM_DEMO_NEWS else "",
)
# auto (recognised from the answer) | rss | atom | wordpress
LDM_NEWS_FEED_KIND = env.str("LDM_NEWS_FEED_KIND", default="auto")
LDM_NEWS_FETCH_MINUTES = env.int("LDM_NEWS_FETCH_MINUTES", default=30)
# A slow or huge answer is abandoned; the last good items stay on the pages.
LDM_NEWS_TIMEOUT_SECONDS = env.float("LDM_NEWS_TIMEOUT_SECONDS", default=10.0)
LDM_NEWS_MAX_BYTES = env.int("LDM_NEWS_MAX_BYTES", default=2 * 1024 * 1024)
CELERY_BEAT_SCHEDULE["fetch-news"] = {
    "task": "layanan.content.tasks.fetch_news",
    "schedule": LDM_NEWS_FETCH_MINUTES * 60,
}

# --- Logging: structured lines, no personal data (see layanan.core.logging) -------------------

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # The safety net: NIKs and email addresses are masked in every record of every handler.
        "personal_data": {"()": "layanan.core.logging.PersonalDataFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "layanan.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # "plain" for people, "json" (the production default) for a log collector.
            "formatter": env.str("LDM_LOG_FORMAT", default="plain"),
            "filters": ["personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LDM_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers are replaced by the one above (with its filter).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # httpx logs every request URL at INFO; BSrE's status URL carries the head's NIK.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Checks of /sehat/ beyond the database, storage, cache and broker (layanan.core.views): a
# failure makes the status "degraded", not "failed".
LDM_HEALTH_CHECKS = {"letters": "layanan.documents.health.issued_letters_have_files"}

# --- Backups ------------------------------------------------------------------------------------

# Backups are encrypted under this passphrase, or the one in this file (keep it apart from the
# backups). Empty: the embedded default's random key in var/backup-key (production requires one).
LDM_BACKUP_KEY = env.str("LDM_BACKUP_KEY", default="")
LDM_BACKUP_KEY_FILE = env.str("LDM_BACKUP_KEY_FILE", default="")
LDM_BACKUP_KEY_REQUIRED = False
LDM_BACKUP_SCRYPT_N = 2**15
# The scheduler's nightly backup (03:00) goes to this folder, keeping the newest
# LDM_BACKUP_KEEP; empty: no scheduled backup.
LDM_BACKUP_DIR = env.str("LDM_BACKUP_DIR", default="")
LDM_BACKUP_KEEP = env.int("LDM_BACKUP_KEEP", default=14)

# --- Private files and secrets encrypted at rest (layanan.core.crypto) --------------------------

# The keyring "id:base64key,..." (32 random bytes each, in base64): the first key encrypts new
# files and TOTP secrets, every key decrypts; or a file holding it (one entry a line). Empty:
# the embedded default's random key in var/file-key (production requires one). After adding a
# new first key, `manage.py file_key_rotate` moves every file and secret to it.
LDM_FILE_KEYS = env.list("LDM_FILE_KEYS", default=[])
LDM_FILE_KEYS_FILE = env.str("LDM_FILE_KEYS_FILE", default="")
LDM_FILE_KEYS_REQUIRED = False

# --- Letters: rendering, signing, verification ------------------------------------------------

# Which signature service signs letters: "local" (pyHanko with the local CA) or "bsre".
LDM_SIGNER = env.str("LDM_SIGNER", default="local")
# The local PKI (CA, time-stamping unit, OCSP responder; created by `pki_init`) keeps its keys
# encrypted under this passphrase, or the one in this file. Neither is ever in the database or
# a backup. Empty: the embedded default's random passphrase in var/pki-passphrase (production
# refuses to start without one of the two).
LDM_PKI_PASSPHRASE = env.str("LDM_PKI_PASSPHRASE", default="")
LDM_PKI_PASSPHRASE_FILE = env.str("LDM_PKI_PASSPHRASE_FILE", default="")
# scrypt cost of the PKI keys' encryption (opening a key once per process costs ~0.1 s).
LDM_PKI_SCRYPT_N = 2**15
# An external RFC 3161 time-stamping authority for signatures and archive timestamps (e.g. the
# kabupaten's contracted TSA or BSSN's); empty: the local PKI's own unit.
LDM_TSA_URL = env.str("LDM_TSA_URL", default="")
LDM_TSA_USERNAME = env.str("LDM_TSA_USERNAME", default="")
LDM_TSA_PASSWORD = env.str("LDM_TSA_PASSWORD", default="")
LDM_TSA_TIMEOUT = env.float("LDM_TSA_TIMEOUT", default=10.0)
# Extra trusted root certificates (PEM files) for checking uploaded letters, e.g. BSrE's.
LDM_TRUST_ROOTS = env.list("LDM_TRUST_ROOTS", default=[])
# Who gets a letter's original PDF (every NIK and figure of it) from its verification page
# besides its owner, logged in: "code" (whoever types the access code printed beside the QR
# code), "off" (nobody) or "open" (anyone holding the QR code; `check --deploy` warns). A
# revoked letter's PDF is never given out publicly. The earlier 1/0 read as "code"/"off".
_pdf_download = env.str("LDM_VERIFICATION_PDF_DOWNLOAD", default="code").strip().lower()
LDM_VERIFICATION_PDF_DOWNLOAD = {"1": "code", "true": "code", "0": "off", "false": "off"}.get(
    _pdf_download, _pdf_download
)

# --- BSrE (LDM_SIGNER=bsre) ---
# BSrE's Esign Client Service (shared/docs/BSRE.md), e.g. "https://esign.batangkab.go.id".
LDM_BSRE_URL = env.str("LDM_BSRE_URL", default="").rstrip("/")
# 1: multipart, one letter a call; 2: JSON, a whole batch of letters in one call.
LDM_BSRE_API_VERSION = env.int("LDM_BSRE_API_VERSION", default=2)
# The service's application credentials (HTTP Basic). Secrets: no defaults.
LDM_BSRE_USERNAME = env.str("LDM_BSRE_USERNAME", default="")
LDM_BSRE_PASSWORD = env.str("LDM_BSRE_PASSWORD", default="")
# Seconds to wait for an answer (signing takes a while) and for a connection.
LDM_BSRE_TIMEOUT = env.float("LDM_BSRE_TIMEOUT", default=30.0)
LDM_BSRE_CONNECT_TIMEOUT = env.float("LDM_BSRE_CONNECT_TIMEOUT", default=5.0)
# "invisible", or BSrE's QR code of the verification URL: at the coordinates below
# ("qr_coordinates") or where the letter prints LDM_BSRE_MARKER, tiny and white ("qr_marker").
LDM_BSRE_APPEARANCE = env.str("LDM_BSRE_APPEARANCE", default="invisible")
LDM_BSRE_MARKER = env.str("LDM_BSRE_MARKER", default="#")
# A visible signature's page ("last", "first" or a number) and box in points from the page's
# lower-left corner (width and height also size the box placed at the marker).
LDM_BSRE_VISIBLE_PAGE = env.str("LDM_BSRE_VISIBLE_PAGE", default="last")
LDM_BSRE_VISIBLE_X = env.int("LDM_BSRE_VISIBLE_X", default=400)
LDM_BSRE_VISIBLE_Y = env.int("LDM_BSRE_VISIBLE_Y", default=90)
LDM_BSRE_VISIBLE_WIDTH = env.int("LDM_BSRE_VISIBLE_WIDTH", default=130)
LDM_BSRE_VISIBLE_HEIGHT = env.int("LDM_BSRE_VISIBLE_HEIGHT", default=70)
# CA certificates (PEM file) to check the service's TLS certificate; empty: the system's.
LDM_BSRE_CA_BUNDLE = env.str("LDM_BSRE_CA_BUNDLE", default="")

# --- The deployment: which kabupaten this installation serves ---------------------------------

# Kemendagri code of the regency (kabupaten/kota) this installation serves.
LDM_REGENCY_CODE = env.str("LDM_REGENCY_CODE", default="33.25")
# --- Residents' rights and retention (README "Residents' rights and retention") ---------------

# Where residents write about their personal data (the privacy notice names it).
LDM_PRIVACY_CONTACT_EMAIL = env.str("LDM_PRIVACY_CONTACT_EMAIL", default="privasi@desa.localhost")
# The unit of the Pemerintah Kabupaten that answers for the data, as the notice names it.
LDM_PRIVACY_CONTROLLER_UNIT = env.str(
    "LDM_PRIVACY_CONTROLLER_UNIT", default="Dinas Pemberdayaan Masyarakat dan Desa"
)
# The date of the privacy notice in force (ISO), shown on it.
LDM_PRIVACY_NOTICE_DATE = env.str("LDM_PRIVACY_NOTICE_DATE", default="2026-12-01")
# KTP/KK files are deleted this many days after the profile was last verified, submitted or
# logged into (nothing happened since); a verified profile stays verified without them.
LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS = env.int(
    "LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS", default=365
)
# What remains of a closed account (requests never issued, correction requests) is deleted
# this many days after closing; issued letters stay in the register, without personal data.
LDM_RETENTION_CLOSED_ACCOUNTS_DAYS = env.int("LDM_RETENTION_CLOSED_ACCOUNTS_DAYS", default=30)
# A walk-in registration started at the counter (the NIK typed) is forgotten after this long.
LDM_WALK_IN_SESSION_SECONDS = env.int("LDM_WALK_IN_SESSION_SECONDS", default=30 * 60)

# The public address printed in letters' QR codes and in emails.
LDM_PUBLIC_URL = env.str("LDM_PUBLIC_URL", default=f"http://127.0.0.1:{LDM_RUN_PORT}").rstrip("/")
# The region data shipped with the project (ODbL, see data/wilayah/README.md).
LDM_REGION_DATA_DIR = BASE_DIR / "data" / "wilayah"
