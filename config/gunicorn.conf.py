# ruff: noqa: N999 - gunicorn looks for this conventional name; it is not imported as a module
"""gunicorn, the web process (`make serve`; README.md "Deployment").

    gunicorn --config config/gunicorn.conf.py config.wsgi

Workers are processes (WEB_CONCURRENCY, gunicorn's own variable; default 2 per core + 1).
Each serves one request at a time ("sync"), or LDM_WEB_THREADS at once ("gthread"): the work
of a page is mostly Python (templates, ORM), which threads do not run in parallel, but a
thread waiting for PostgreSQL or Redis lets another one render.
"""

import multiprocessing
import os

bind = os.environ.get("LDM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("LDM_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Long enough for a head's batch signing (about 3 s for 100 letters) and a slow mail-merge,
# short enough that a stuck worker is replaced.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so that no slow leak lives long.
max_requests = 5000
max_requests_jitter = 500
# The application is imported once, before the workers fork: less memory, faster restarts.
preload_app = True


def on_starting(server) -> None:
    """Refuse to start what these workers cannot share: sessions in a cache of each
    process's own (layanan.core.checks.shared_state_errors, with gunicorn's real count)."""
    import django  # noqa: PLC0415 - Django is set up by the preloaded application
    from django.apps import apps  # noqa: PLC0415

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
        django.setup()
    from layanan.core.checks import shared_state_errors  # noqa: PLC0415

    errors = shared_state_errors(server.cfg.workers)
    if errors:
        # gunicorn prints a RuntimeError and exits with status 1.
        raise RuntimeError(" ".join(f"{error.id}: {error.msg} {error.hint}" for error in errors))


# Only the proxy in front may say the request came over HTTPS: from an address of
# FORWARDED_ALLOW_IPS, "X-Forwarded-Proto: https" makes wsgi.url_scheme "https", which is all
# Django goes by (production.py sets no SECURE_PROXY_SSL_HEADER); from any other address the
# header changes nothing. Only the header the proxy is told to set (README.md "Deployment")
# counts, not gunicorn's other defaults (X-Forwarded-Ssl, X-Forwarded-Protocol).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Access log: method, path without the query string (a search may hold a NIK), status, size,
# duration. No client address: it is personal data and the proxy logs it anyway.
accesslog = os.environ.get("LDM_ACCESS_LOG", "-") or None
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"
_format = os.environ.get("LDM_LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "layanan.core.logging.PersonalDataFilter"}},
    "formatters": {
        "json": {"()": "layanan.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _format,
            "filters": ["personal_data"],
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
