"""The email task: takes an id, is idempotent, retries with growing delays."""

import pytest
from django.core import mail

from layanan.notifications.models import OutgoingEmail
from layanan.notifications.services import email_queue
from layanan.notifications.tasks import retry_delay, send_email, send_pending_emails

pytestmark = pytest.mark.django_db

CONTEXT = {"name": "Siti", "path": "/profil/"}


def test_running_the_task_twice_sends_once():
    email = email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)

    assert send_email.apply(args=[email.pk]).get() is True
    assert send_email.apply(args=[email.pk]).get() is False

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_an_unknown_id_is_done_with():
    assert send_email.apply(args=[999_999]).get() is False


def test_retry_delays_double_up_to_an_hour(settings):
    settings.LDM_TASK_RETRY_BACKOFF = 30

    assert [retry_delay(n) for n in range(9)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_the_scheduled_sweep_sends_what_is_pending(settings):
    settings.EMAIL_BACKEND = "layanan.notifications.tests.backends.FailingBackend"
    email = email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)
    send_email.apply(args=[email.pk])
    OutgoingEmail.objects.filter(pk=email.pk).update(created_at="2020-01-01T00:00:00Z")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert send_pending_emails.apply().get() == 1
    assert len(mail.outbox) == 1


def test_the_scheduler_runs_the_sweep(settings):
    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "send_pending" in e["task"]]

    assert entry["task"] == send_pending_emails.name
