import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import transaction

from layanan.notifications.delivery import email_send, emails_send_pending
from layanan.notifications.models import OutgoingEmail
from layanan.notifications.services import email_queue

pytestmark = pytest.mark.django_db

CONTEXT = {"name": "Siti", "path": "/profil/"}


def test_an_email_goes_out_only_when_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)
        assert mail.outbox == []

    (message,) = mail.outbox
    assert message.subject == "Profil Anda telah diverifikasi"
    assert "http://127.0.0.1:8000/profil/" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    assert message.alternatives[0][1] == "text/html"


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)
        transaction.set_rollback(True)

    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_the_body_is_erased_once_sent_and_sending_is_idempotent():
    email = email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)

    assert email_send(email_id=email.pk) is True
    assert email_send(email_id=email.pk) is False
    email.refresh_from_db()
    assert (email.body_text, email.body_html) == ("", "")
    assert len(mail.outbox) == 1


def test_pending_emails_are_sent_after_an_outage(settings):
    settings.EMAIL_BACKEND = "layanan.notifications.tests.backends.FailingBackend"
    email = email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)
    with pytest.raises(ConnectionRefusedError):
        email_send(email_id=email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert emails_send_pending(older_than_seconds=0) == 1
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_the_sweep_command(settings):
    email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)

    call_command("send_pending_emails", "--older-than", "0")

    assert len(mail.outbox) == 1
