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
# Only the proxy in front may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

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
