"""The residents' own rights over their data (UU 27/2022 Art. 30-32, 40): corrections asked
of the village, and closed accounts.

A correction request is tracked with the deadline the law gives the controller (3 x 24 hours);
a closed account keeps one row here, without personal data, that says when it was closed and
when its remaining rows were purged (``services.closed_accounts_purge``).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# UU 27/2022 Art. 30(2): the controller corrects the data within 3 x 24 hours of the request.
CORRECTION_DEADLINE = dt.timedelta(hours=3 * 24)


class CorrectionStatus(models.TextChoices):
    OPEN = "diajukan", _("Waiting for the village")
    DONE = "selesai", _("Corrected")
    REFUSED = "ditolak", _("Refused")
    WITHDRAWN = "ditarik", _("Withdrawn: the account was closed")


class CorrectionRequest(models.Model):
    """A resident asks their village to correct data it holds about them."""

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="correction_requests",
        verbose_name=_("resident"),
    )
    village = models.ForeignKey(
        "regions.Village",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village"),
    )
    what_is_wrong = models.TextField(_("what is wrong"), max_length=1000)
    should_be = models.TextField(_("what it should be"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    due_at = models.DateTimeField(_("due by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("note or reason"), max_length=1000, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        indexes = [models.Index(fields=["village", "status", "due_at"], name="correction_queue")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ditolak") | ~models.Q(decision_note=""),
                name="privacy_refused_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["selesai", "ditolak"])
                | models.Q(decided_at__isnull=False),
                name="privacy_decided_correction_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == CorrectionStatus.OPEN

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class AccountClosure(models.Model):
    """That a resident closed their account, and what became of its data. No personal data:
    the account row it points to is already anonymised."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="closure",
        verbose_name=_("account"),
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now, db_index=True)
    requests_cancelled = models.PositiveIntegerField(_("requests cancelled"), default=0)
    letters_kept = models.PositiveIntegerField(_("issued letters kept in the register"), default=0)
    purged_at = models.DateTimeField(_("remaining rows purged at"), null=True, blank=True)

    class Meta:
        ordering = ["closed_at", "id"]
        verbose_name = _("closed account")
        verbose_name_plural = _("closed accounts")

    def __str__(self) -> str:
        return f"{self.user_id} {self.closed_at:%Y-%m-%d}"
