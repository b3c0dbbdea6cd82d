"""Emails through a real broker and a real `celery -A config worker` process.

Run when LDM_TEST_BROKER_URL names a broker (`.ci/run` sets RabbitMQ for the PostgreSQL
run) and the suite runs on PostgreSQL: the worker is another process and must see the
test database. The emails are queued by another process too, through the same path as the
site (`email_queue` in a transaction, sent after commit), and reach stand-in SMTP servers.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, suppress

import pytest
from django.conf import settings
from django.db import connection

from layanan.core.tests.stand_ins import SmtpStandIn, wait_until
from layanan.notifications.models import EmailStatus, OutgoingEmail

BROKER_URL = os.environ.get("LDM_TEST_BROKER_URL", "")

pytestmark = [
    pytest.mark.skipif(
        not BROKER_URL, reason="LDM_TEST_BROKER_URL is not set (no real broker for the worker)"
    ),
    pytest.mark.django_db(transaction=True),
]

QUEUE_EMAIL = """
import django
django.setup()
from django.db import transaction
from layanan.notifications.services import email_queue
with transaction.atomic():
    email = email_queue(
        to="siti@example.com",
        template="profile_verified",
        context={"name": "Siti Rahmawati", "path": "/profil/"},
    )
print(email.pk)
"""
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
WAIT_SECONDS = 60


@pytest.fixture
def worker_env(tmp_path):
    """The environment of the worker and producer processes: this test's database, the
    broker, a queue of this test alone, files in a temporary folder."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker must see the test database: run on PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    queue = f"ldm-test-{uuid.uuid4().hex[:12]}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "LDM_", "EMAIL_", "CACHE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=BROKER_URL,
        LDM_TASK_QUEUE=queue,
        LDM_VAR_DIR=str(tmp_path),
        LDM_TASK_RETRY_BACKOFF="1",
        LDM_BROKER_VISIBILITY_TIMEOUT="5",
        EMAIL_TIMEOUT="30",
    )
    yield env
    _queue_delete(queue)


def _queue_delete(queue: str) -> None:
    from kombu import Connection

    # Nothing to clean if the queue was never declared.
    with Connection(BROKER_URL, connect_timeout=5) as broker, suppress(Exception):
        broker.default_channel.queue_delete(queue)


def _queue_email(env: dict) -> int:
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", QUEUE_EMAIL],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@contextmanager
def celery_worker(env: dict, log_path):
    """`celery -A config worker` in its own process group, stopped (or killed) at the end."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - the project's own worker command
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def _sent(email_id: int) -> bool:
    return OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=False).exists()


def test_an_email_queued_by_the_site_is_sent_by_the_worker(worker_env, tmp_path):
    worker_env["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    log = tmp_path / "worker.log"

    with celery_worker(worker_env, log):
        email_id = _queue_email(worker_env)
        wait_until(lambda: _sent(email_id), what="the email to be sent", log=log)

    (written,) = (tmp_path / "mail").iterdir()
    content = written.read_text()
    assert "To: siti@example.com" in content
    assert "Siti Rahmawati" in content
    email = OutgoingEmail.objects.get(pk=email_id)
    assert (email.attempts, email.body_text) == (1, "")


def test_a_failing_send_is_retried_with_growing_delays(worker_env, tmp_path):
    log = tmp_path / "worker.log"
    with SmtpStandIn(refuse_first=2) as smtp:
        worker_env.update(
            DJANGO_EMAIL_BACKEND=SMTP_BACKEND, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port)
        )
        with celery_worker(worker_env, log):
            email_id = _queue_email(worker_env)
            wait_until(lambda: _sent(email_id), what="the email to be sent", log=log)

    assert len(smtp.sessions) == 3
    first_delay = smtp.sessions[1] - smtp.sessions[0]
    second_delay = smtp.sessions[2] - smtp.sessions[1]
    # LDM_TASK_RETRY_BACKOFF=1: about 1 s, then about 2 s.
    assert first_delay >= 0.9
    assert second_delay >= 1.9
    assert second_delay > first_delay
    (message,) = smtp.messages
    assert b"To: siti@example.com" in message
    email = OutgoingEmail.objects.get(pk=email_id)
    assert (email.attempts, email.last_error) == (3, "")


def test_a_worker_killed_mid_send_loses_nothing(worker_env, tmp_path):
    if not BROKER_URL.startswith("amqp"):
        pytest.skip(
            "Redis gives an unacknowledged task back only after visibility_timeout and a "
            "periodic sweep (minutes); RabbitMQ does it as soon as the worker's connection drops"
        )
    log = tmp_path / "worker.log"
    worker_env["DJANGO_EMAIL_BACKEND"] = SMTP_BACKEND
    worker_env["EMAIL_HOST"] = "127.0.0.1"
    # The killed attempt's lease (3 EMAIL_TIMEOUTs) runs out within the test's wait.
    worker_env["EMAIL_TIMEOUT"] = "2"

    # A mail server that accepts the connection and never answers: the send blocks.
    with SmtpStandIn(mode="stall") as stalled:
        worker_env["EMAIL_PORT"] = str(stalled.port)
        with celery_worker(worker_env, log) as first_worker:
            email_id = _queue_email(worker_env)
            assert stalled.connected.wait(WAIT_SECONDS), log.read_text(errors="replace")
            os.killpg(first_worker.pid, signal.SIGKILL)
            first_worker.wait(timeout=10)

    email = OutgoingEmail.objects.get(pk=email_id)
    # The killed attempt is on record, and it never got to hand the message over.
    assert (email.status, email.sent_at, email.attempts) == (EmailStatus.CONNECTING, None, 1)

    with SmtpStandIn() as smtp:
        worker_env["EMAIL_PORT"] = str(smtp.port)
        with celery_worker(worker_env, log):
            wait_until(lambda: _sent(email_id), what="the redelivered email", log=log)
            time.sleep(2)  # a duplicate delivery would arrive now

    (message,) = smtp.messages
    assert b"To: siti@example.com" in message
    email = OutgoingEmail.objects.get(pk=email_id)
    assert f"Message-ID: {email.message_id}".encode() in message
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert email.sent_at is not None
