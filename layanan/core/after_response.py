"""Work a page leaves for after its answer has been sent.

Without a task broker (the embedded default) a task runs in the web process; run at once it
would make the page wait for it, and make the page as slow as the task's work, which can
tell what the page does not say (that an email has an account: the reset email was built).
``after_response(work)`` keeps the work until the response is closed: the WSGI server closes
it after the last byte has gone to the client (Django's ``request_finished``), so the work is
done by the same process before it takes the next request (with two workers the other one
serves meanwhile). Outside a request (a command, a Celery worker, a test calling a service)
the work runs at once.

A response that is never closed (only a test client that raised) leaves its work to the next
request of the thread, which runs it first; nothing is lost. Per thread: gunicorn's sync and
gthread workers handle a request in one thread from start to close.
"""

import logging
import threading
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.dispatch import receiver

logger = logging.getLogger(__name__)

_state = threading.local()


def after_response(work: Callable[[], object]) -> None:
    """Run ``work`` once the current response has been sent (at once outside a request)."""
    pending: list[Callable[[], object]] | None = getattr(_state, "pending", None)
    if pending is None:
        work()
    else:
        pending.append(work)


def _run(works: list[Callable[[], object]]) -> None:
    for work in works:
        try:
            work()
        except Exception as error:  # noqa: BLE001 - one failed work must not stop the others
            # Only the type: the text may hold an address.
            logger.error("work after the response failed (%s)", type(error).__name__)


@receiver(request_started, dispatch_uid="layanan.core.after_response.started")
def _request_started(sender: object, **kwargs: object) -> None:
    leftover = getattr(_state, "pending", None)
    _state.pending = None
    if leftover:
        _run(leftover)
    _state.pending = []


@receiver(request_finished, dispatch_uid="layanan.core.after_response.finished")
def _request_finished(sender: object, **kwargs: object) -> None:
    # Work queued by this work (a task that queues an email) runs at once: no longer pending.
    pending = getattr(_state, "pending", None)
    _state.pending = None
    if pending:
        _run(pending)
