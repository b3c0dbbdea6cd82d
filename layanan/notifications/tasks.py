"""Background tasks of notifications: they take ids and call services.

Tasks are delivered at least once: the broker keeps a task until it is done (acks_late; a
worker killed mid-task leaves it to the next worker). `email_send` makes that safe: it does
nothing for an email already sent (or perhaps delivered), and a task that finds another
attempt under way (`EmailBusy`) retries later, so a task that runs twice sends once. A clear
failure (refused, an error reply) is retried with growing delays; a send whose outcome is
unknown (a timeout after the message was handed over) is never repeated (delivery.py).
"""

from celery import shared_task
from django.conf import settings

from layanan.notifications.delivery import email_send, emails_send_pending

RETRY_MAX_SECONDS = 60 * 60


def retry_delay(retries: int) -> int:
    """Seconds before the next try: the base delay doubled at each retry, at most an hour."""
    return min(settings.LDM_TASK_RETRY_BACKOFF * 2**retries, RETRY_MAX_SECONDS)


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_email(self, email_id: int) -> bool:
    try:
        return email_send(email_id=email_id)
    except Exception as error:
        if self.request.is_eager:
            # In process there is no one to retry later but the pending sweep.
            return False
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error


@shared_task(acks_late=True)
def send_pending_emails() -> int:
    """The scheduler's sweep (`celery -A config beat`): emails the broker never delivered."""
    return emails_send_pending()
