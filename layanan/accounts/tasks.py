"""Background tasks of accounts: they take what the page received and call a service.

The reset link and the new confirmation link are built here, not in the page: the page
queues the same task for every address (one with an account or none), so neither its answer
nor its time tells which. The task finds the accounts, or none, and queues the email in the
outbox (sent once, by ``layanan.notifications.tasks.send_email``).
"""

from celery import shared_task


@shared_task(acks_late=True)
def send_password_reset(email: str) -> int:
    # Imported here: the services queue these tasks (and so import this module).
    from layanan.accounts.services import password_reset_send  # noqa: PLC0415

    return password_reset_send(email=email)


@shared_task(acks_late=True)
def send_confirmation_again(email: str) -> int:
    from layanan.accounts.services import confirmation_resend  # noqa: PLC0415

    return confirmation_resend(email=email)
