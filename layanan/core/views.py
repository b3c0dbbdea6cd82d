"""Pages that belong to no domain: the attribution page and the health endpoint of the
deployment. (The home page is content's: it shows the catalogue, news and announcements.)"""

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from kombu import Connection

logger = logging.getLogger(__name__)


class AttributionView(TemplateView):
    template_name = "core/attribution.html"


# --- Health -----------------------------------------------------------------------------


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"ldm:health:{secrets.token_hex(8)}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tasks run in process: there is no broker to reach
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as broker:
        broker.ensure_connection(max_retries=1, timeout=3)


HEALTH_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def health(request):
    """/sehat/ for load balancers and monitoring: each dependency "ok" or "failed", 200 when
    all are ok, 503 otherwise. It names no host and no error text, only the check."""
    checks = {}
    for name, check in HEALTH_CHECKS.items():
        try:
            check()
        except Exception:  # any failure of a dependency is "failed"
            logger.warning("health check %s failed", name, exc_info=True)
            checks[name] = "failed"
        else:
            checks[name] = "ok"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failed", "checks": checks}, status=200 if healthy else 503
    )
