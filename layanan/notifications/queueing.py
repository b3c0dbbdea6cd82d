"""Sending a task to the broker from a page, without ever making the page wait on it.

What a page queues is work the database already holds: an email is an outbox row that the
scheduler's sweep (`send_pending_emails`) sends when its task never arrives, a news fetch
happens on schedule anyway. So a page gives the broker one short try: one connection attempt
of at most LDM_BROKER_TIMEOUT seconds, no publish retry (settings, "Background work"); a
failure is logged and swallowed. After a failure a per-process circuit breaker skips the
broker for LDM_BROKER_RETRY_SECONDS, so that a batch of signatures that queues an email per
letter pays the timeout once, not once per letter; then one page tries again.

Without a broker (the embedded default: ``task_always_eager``) a task runs in the web
process; a page's tasks then run after its answer has been sent
(``layanan.core.after_response``), so that no page waits for an email being built and sent,
and a page that queues a task answers in the same time whatever the task finds to do.
"""

import logging
from functools import cache
from typing import Any

from celery import Task
from django.conf import settings

from layanan.core.after_response import after_response
from layanan.core.cache import CircuitBreaker

logger = logging.getLogger(__name__)


@cache
def broker_breaker() -> CircuitBreaker:
    """The breaker of this process's broker connection."""
    return CircuitBreaker(retry_after=settings.LDM_BROKER_RETRY_SECONDS)


def task_enqueue(task: Task, *args: Any) -> bool:
    """Send ``task`` with ``args`` now (call it after the commit of what the task reads);
    False when the broker was unavailable or skipped: the caller's sweep does the work later."""
    if task.app.conf.task_always_eager:
        # In this process, once the page has answered (at once outside a request).
        after_response(lambda: task.apply_async(args, retry=False))
        return True
    breaker = broker_breaker()
    if not breaker.allow():
        logger.info("task %s not sent: the broker is unavailable", task.name)
        return False
    try:
        task.apply_async(args, retry=False)
    except Exception as error:  # noqa: BLE001 - whatever the broker raised, the page goes on
        # Only the error's type: its text may name the broker's host and credentials.
        if breaker.failed():
            logger.warning(
                "task %s not sent: broker unavailable (%s)", task.name, type(error).__name__
            )
        else:
            logger.info("task %s not sent: broker still unavailable", task.name)
        return False
    if breaker.succeeded():
        logger.warning("broker available again")
    return True
