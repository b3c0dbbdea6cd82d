"""Sending what the outbox holds: one email at a time, locked, once (the tasks call it)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from layanan.notifications.models import OutgoingEmail

logger = logging.getLogger(__name__)


def email_send(*, email_id: int) -> bool:
    """Send one queued email if it is still pending; True when sent now. Idempotent.

    A failed send is recorded (attempt count, error type) and re-raised for the caller
    (the task) to retry later.
    """
    failure: Exception | None = None
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - any transport error is retried later
            # Only the error's type: its text may quote the recipient address.
            email.last_error = type(error).__name__
            email.save(update_fields=["attempts", "last_error"])
            failure = error
        else:
            email.sent_at = timezone.now()
            email.body_text = ""
            email.body_html = ""
            email.last_error = ""
            email.save(
                update_fields=["attempts", "sent_at", "body_text", "body_html", "last_error"]
            )
    if failure is not None:
        logger.warning("email %s (%s) failed: %s", email_id, email.kind, email.last_error)
        raise failure
    logger.info("email %s (%s) sent", email_id, email.kind)
    return True


def emails_send_pending(*, older_than_seconds: int = 60) -> int:
    """Send what the broker never delivered (called by a schedule or by hand)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pending = OutgoingEmail.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
    sent = 0
    for email_id in pending.values_list("pk", flat=True):
        try:
            sent += email_send(email_id=email_id)
        except Exception:  # noqa: BLE001, S112 - logged in email_send; try the next one
            continue
    return sent
