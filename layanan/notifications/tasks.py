"""Background tasks of notifications: they take ids and call services."""

from celery import shared_task

from layanan.notifications.services import email_send


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_email(self, email_id: int) -> bool:
    try:
        return email_send(email_id=email_id)
    except Exception as error:
        if self.request.is_eager:
            # In process there is no one to retry later but the pending sweep.
            return False
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600)) from error
