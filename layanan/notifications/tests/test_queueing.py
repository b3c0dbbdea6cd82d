"""A page never waits on the broker (issue 16): one short try, then the outbox sweep.

The broker stands behind a proxy that refuses (cut) or accepts and never answers (hang), so
no real broker is needed. The email stays pending, the commit that queued it goes through,
and the breaker spares the next pages the wait. (The broker coming back and the worker
sending the email: layanan/core/tests/test_degradation_live.py.)
"""

import logging
import time

import pytest

from config.celery import app
from layanan.core.tests.stand_ins import TcpProxy, free_port
from layanan.notifications.models import OutgoingEmail
from layanan.notifications.queueing import broker_breaker, task_enqueue
from layanan.notifications.services import email_queue
from layanan.notifications.tasks import send_email

pytestmark = pytest.mark.django_db

CONTEXT = {"name": "Siti", "path": "/profil/"}


@pytest.fixture
def broker(settings):
    """The Celery app pointed at a proxy in front of a port where nothing listens (its own
    breaker), as the web processes are with CELERY_BROKER_URL; restored afterwards. The
    app's own connection pools are set aside, not closed: kombu keeps them in a registry
    shared by the whole process, and the eager tasks of later tests use them again."""
    settings.LDM_BROKER_RETRY_SECONDS = 60
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    pools = (app._pool, app.amqp._producer_pool)
    with TcpProxy(free_port()) as proxy:
        app.conf.update(
            broker_url=f"amqp://guest:guest@127.0.0.1:{proxy.port}//", task_always_eager=False
        )
        app._pool, app.amqp._producer_pool = None, None
        broker_breaker.cache_clear()
        try:
            yield proxy
        finally:
            if app._pool is not None:
                app._pool.force_close_all()
            app.conf.update(saved)
            app._pool, app.amqp._producer_pool = pools
            broker_breaker.cache_clear()


def _queue_in_a_transaction(django_capture_on_commit_callbacks) -> tuple[OutgoingEmail, float]:
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)
    return email, time.monotonic() - start


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_a_commit_that_queues_an_email_does_not_wait_on_a_broker_that_fails(
    broker, fault, django_capture_on_commit_callbacks, caplog
):
    getattr(broker, fault)()

    with caplog.at_level(logging.INFO, logger="layanan.notifications"):
        email, elapsed = _queue_in_a_transaction(django_capture_on_commit_callbacks)

    print(f"\nbroker {fault}: the commit that queued an email took {elapsed:.3f} s")
    assert broker_breaker().is_open  # one try, then the next pages skip the broker
    email.refresh_from_db()
    assert email.sent_at is None  # pending: the sweep sends it
    assert "broker unavailable" in caplog.text
    assert "left to the outbox sweep" in caplog.text
    assert str(broker.port) not in caplog.text  # no host in the logs


def test_after_a_failure_the_next_pages_skip_the_broker(broker, django_capture_on_commit_callbacks):
    broker.hang()
    _queue_in_a_transaction(django_capture_on_commit_callbacks)
    asked = broker.accepted

    timings = [_queue_in_a_transaction(django_capture_on_commit_callbacks)[1] for _ in range(20)]

    print(f"\nbroker hanging: 20 more emails queued in {sum(timings):.3f} s")
    assert broker.accepted == asked  # not asked again while the breaker is open
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 21


def test_task_enqueue_says_whether_it_sent(broker):
    broker.cut()

    assert task_enqueue(send_email, 1) is False
    assert task_enqueue(send_email, 1) is False  # skipped
