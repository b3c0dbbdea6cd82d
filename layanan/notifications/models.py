"""Outgoing email, written in the same transaction as the change it tells about.

The row is the promise that the email will be sent (a transactional outbox): a failed
send or a broker outage leaves it pending, to be retried, and never loses the change.
Once sent, the body is erased: confirmation and reset links must not linger in the database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """One email to one recipient."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=60)
    to = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
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
                condition=models.Q(sent_at__isnull=True),
                name="email_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
