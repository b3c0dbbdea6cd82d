"""The audit log: who did what to whose data, when. Append-only and tamper-evident.

Each entry stores the SHA-256 of its own content chained with the hash of the previous
entry, so editing or deleting any entry breaks the chain from that point on
(``manage.py audit_verify``). A single head row, locked while an entry is appended,
keeps the chain linear when many requests write at once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    PROFILE_VIEWED = "profile.viewed", _("Viewed a resident's profile")
    DOCUMENT_VIEWED = "profile.document_viewed", _("Viewed an identity document")
    PROFILE_VERIFIED = "profile.verified", _("Verified a profile")
    PROFILE_REJECTED = "profile.rejected", _("Rejected a profile")
    PROFILE_RESET = "profile.reset", _("Profile changed after verification")


class AuditEntry(models.Model):
    """One audited event. Never updated or deleted by the application."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    village = models.ForeignKey(
        "regions.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries_about",
        verbose_name=_("resident concerned"),
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["village", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class AuditChainHead(models.Model):
    """The single row that holds the hash of the newest entry; locked to append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    length = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_single_head")]

    def __str__(self) -> str:
        return f"{self.length} entries"
