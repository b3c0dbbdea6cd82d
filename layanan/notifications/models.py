"""Outgoing email, written in the same transaction as the change it tells about.

The row is the promise that the email will be sent (a transactional outbox): a failed
send or a broker outage leaves it pending, to be retried, and never loses the change.
Each row has its Message-ID from the start, and every attempt sends that same one; the
status records how far the current attempt got (delivery.py says why it matters).
Once sent, the body is erased: confirmation and reset links must not linger in the database.
"""

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    """Where an email is; the moves between them are in delivery.py."""

    PENDING = "pending", _("Waiting to be sent")
    CONNECTING = "connecting", _("Connecting to the mail server")
    TRANSMITTING = "transmitting", _("Handed to the mail server")
    SENT = "sent", _("Sent")
    UNCERTAIN = "uncertain", _("Perhaps delivered: not sent again")


# An attempt under way: another one waits for its lease to run out.
IN_FLIGHT = (EmailStatus.CONNECTING, EmailStatus.TRANSMITTING)
# Not settled yet: still to be sent, or being sent.
UNSETTLED = (EmailStatus.PENDING, *IN_FLIGHT)


def message_id_new() -> str:
    """A new Message-ID under the sender's domain, e.g. ``<1764....@desa.localhost>``."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return make_msgid(domain=address.rpartition("@")[2] or "localhost")


class OutgoingEmail(models.Model):
    """One email to one recipient."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=60)
    to = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(
        _("Message-ID"), max_length=255, unique=True, default=message_id_new, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=UNSETTLED),
                name="email_unsettled",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=EmailStatus.SENT, sent_at__isnull=False)
                | (~models.Q(status=EmailStatus.SENT) & models.Q(sent_at__isnull=True)),
                name="notifications_sent_email_has_its_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
