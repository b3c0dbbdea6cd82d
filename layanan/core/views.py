"""Pages that belong to no domain: the attribution page and the health endpoint of the
deployment. (The home page is content's: it shows the catalogue, news and announcements.)"""

import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from kombu import Connection

from layanan.core.cache import strict_cache

logger = logging.getLogger(__name__)


class AttributionView(TemplateView):
    template_name = "core/attribution.html"


# --- Health -----------------------------------------------------------------------------


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_storage() -> None:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        # The folder, or where it will be created on the first upload, must be writable.
        folder = Path(storage.location)
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
            raise RuntimeError("the private files' folder is not writable")
    else:
        storage.exists("sehat-probe")  # one request: the bucket answers and lets us in


def _check_cache() -> None:
    # Strict: an unavailable Redis raises here instead of answering a miss; while its breaker
    # is open it fails at once, without waiting on Redis.
    cache = strict_cache()
    key = f"ldm:health:{secrets.token_hex(8)}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tasks run in process: there is no broker to reach
    timeout = settings.LDM_BROKER_TIMEOUT
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as broker:
        broker.ensure_connection(max_retries=0, timeout=timeout)


# Without these the site cannot serve: a load balancer should send its visitors elsewhere.
READINESS_CHECKS = {"database": _check_database, "storage": _check_storage}
# Without these the site still serves, more slowly or later: pages miss the cache, rate
# limits count in the database, emails wait in the outbox for the sweep. The domain apps
# add theirs by name (settings.LDM_HEALTH_CHECKS: core imports no domain app).
DEGRADATION_CHECKS = {"cache": _check_cache, "broker": _check_broker}


def _degradation_checks() -> dict:
    return {
        **DEGRADATION_CHECKS,
        **{name: import_string(path) for name, path in settings.LDM_HEALTH_CHECKS.items()},
    }


def _outcome(name: str, check) -> str:
    try:
        check()
    except Exception:  # any failure of a dependency is "failed"
        logger.warning("health check %s failed", name, exc_info=True)
        return "failed"
    return "ok"


@never_cache
@require_GET
def health(request):
    """/sehat/ for load balancers and monitoring: each dependency "ok" or "failed".

    200 "ok" when all are ok; 200 "degraded" when only the cache, the broker or the newest
    issued letters' PDFs failed (the site serves without them); 503 "failed" when it is not
    ready to serve (the database or the private files). It names no host and no error text,
    only the check.
    """
    checks = {name: _outcome(name, check) for name, check in READINESS_CHECKS.items()}
    ready = all(value == "ok" for value in checks.values())
    checks.update({name: _outcome(name, check) for name, check in _degradation_checks().items()})
    if not ready:
        status, code = "failed", 503
    elif all(value == "ok" for value in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
