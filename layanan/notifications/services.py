"""Queueing email in the outbox, in the transaction of the change it reports; the task of
``tasks.py`` sends it (``delivery.py``) once that transaction has committed."""

import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from layanan.notifications.models import OutgoingEmail
from layanan.notifications.queueing import task_enqueue
from layanan.notifications.tasks import send_email

logger = logging.getLogger(__name__)


def email_queue(*, to: str, template: str, context: Mapping[str, object]) -> OutgoingEmail:
    """Render ``notifications/email/<template>.{subject.txt,txt,html}`` and queue it.

    Call it inside the transaction of the change the email reports: it is sent only if
    that transaction commits. Subjects must never carry personal data.
    """
    context = {"site_url": settings.LDM_PUBLIC_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"notifications/email/{template}.subject.txt", context)
        body_text = render_to_string(f"notifications/email/{template}.txt", context)
        body_html = render_to_string(f"notifications/email/{template}.html", context)
    email = OutgoingEmail.objects.create(
        kind=template,
        to=to,
        subject=" ".join(subject.split()),
        body_text=body_text,
        body_html=body_html,
    )
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _enqueue(email_id: int) -> None:
    # Never waits on a broker that is down or hangs: the email then stays pending and
    # `send_pending_emails` (the scheduler's sweep) sends it.
    if not task_enqueue(send_email, email_id):
        logger.info("email %s left to the outbox sweep", email_id)
