"""Production settings: everything of base.py, HTTPS-only, and no default for secrets.

`manage.py check --deploy` passes with these settings and no warnings (tested). The web
tier keeps no state of its own: database, cache, sessions, task broker and files are all
chosen by environment variables (README.md, "Configuration" and "Deployment").
"""

import multiprocessing

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *
from config.settings.base import LOGGING, STORAGES, env

DEBUG = False

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

# The local PKI's keys open only with a passphrase of the configuration, never a default.
if not (
    env.str("LDM_PKI_PASSPHRASE", default="") or env.str("LDM_PKI_PASSPHRASE_FILE", default="")
):
    raise ImproperlyConfigured(
        "Set LDM_PKI_PASSPHRASE or LDM_PKI_PASSPHRASE_FILE: the local CA's, TSA's and OCSP "
        "responder's keys are encrypted with it."
    )

# Private files and TOTP secrets are encrypted under a keyring of the configuration only.
if not (env.list("LDM_FILE_KEYS", default=[]) or env.str("LDM_FILE_KEYS_FILE", default="")):
    raise ImproperlyConfigured(
        "Set LDM_FILE_KEYS or LDM_FILE_KEYS_FILE (id:base64key,...): private files and the "
        "staff's TOTP secrets are encrypted under it."
    )
LDM_FILE_KEYS_REQUIRED = True

# --- HTTPS only ------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The load balancer's health probe speaks plain HTTP to the app server.
SECURE_REDIRECT_EXEMPT = [r"^sehat/$"]
# Whether a request came over HTTPS is gunicorn's word (wsgi.url_scheme): it believes
# X-Forwarded-Proto only from the proxies of FORWARDED_ALLOW_IPS (config/gunicorn.conf.py) but
# passes the header on from anyone, so Django must not read it itself (no
# SECURE_PROXY_SSL_HEADER).
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive alone changes nothing until the domain is submitted to the browsers'
# list; a kabupaten whose subdomains are not all on HTTPS yet turns it off.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# --- Static files: hashed names, compressed, cached for a year by browsers (WhiteNoise) -------

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

# --- Public pages for anonymous visitors from the cache (layanan.core.middleware) ------------

# A letter type edited by the Admin Kabupaten shows within a minute; a revoked letter's
# verification page says so within 10 seconds (the upload check is never cached).
LDM_PUBLIC_PAGE_CACHE = {
    "content:home": 60,
    "letters:catalogue": 60,
    "letters:type-detail": 60,
    "verification:letter": 10,
}
# Production runs several web processes: gunicorn's default when WEB_CONCURRENCY is unset.
LDM_WEB_PROCESSES = env.int("WEB_CONCURRENCY", default=2 * multiprocessing.cpu_count() + 1)

# --- Logs: one JSON object a line, personal data masked (layanan.core.logging) ---------------

LOGGING["handlers"]["console"]["formatter"] = env.str("LDM_LOG_FORMAT", default="json")

# Automated-test conveniences never reach production.
LDM_CAPTCHA_FIXED_CODE = ""
# The second factor for staff is not optional in production.
LDM_STAFF_2FA = True

# A backup is the whole installation: it is encrypted with a key of the configuration only.
LDM_BACKUP_KEY_REQUIRED = True
