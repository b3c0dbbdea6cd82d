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
    """Every action the audit log records, with the label its viewer shows: the one
    vocabulary of the log. ``audit_record`` refuses a code that is not a member."""

    # Residents' data
    PROFILE_VIEWED = "profile.viewed", _("Viewed a resident's profile")
    DOCUMENT_VIEWED = "profile.document_viewed", _("Viewed an identity document")
    PROFILE_VERIFIED = "profile.verified", _("Verified a profile")
    PROFILE_REJECTED = "profile.rejected", _("Rejected a profile")
    PROFILE_RESET = "profile.reset", _("Profile changed after verification")
    # Account recovery at the village office's counter, after checking the KTP in person
    ACCOUNT_NIK_LOOKED_UP = "account.nik_looked_up", _("Looked up a resident account by NIK")
    ACCOUNT_EMAIL_SET_AT_COUNTER = (
        "account.email_set_at_counter",
        _("Set a new email for a resident account at the counter"),
    )
    # The residents' own rights (layanan.privacy) and the retention of their data
    CORRECTION_REQUESTED = "correction.requested", _("Asked the village to correct their data")
    CORRECTION_DONE = "correction.done", _("Corrected a resident's data on request")
    CORRECTION_REFUSED = "correction.refused", _("Refused a correction request")
    ACCOUNT_CLOSED = "account.closed", _("Closed their account")
    RETENTION_PURGED = "privacy.purged", _("Purged data past its retention period")
    # Letter requests (the lifecycle of letters/lifecycle.py)
    REQUEST_SUBMITTED = "request.submitted", _("Submitted a letter request online")
    REQUEST_REGISTERED = "request.registered", _("Registered a letter request at the office")
    REQUEST_ACCEPTED = "request.accepted", _("Accepted a letter request as a draft")
    REQUEST_REJECTED = "request.rejected", _("Rejected a letter request")
    REQUEST_CANCELLED = "request.cancelled", _("Cancelled a letter request")
    REQUEST_RETURNED = "request.returned", _("Sent a draft back to the operator")
    REQUEST_ISSUED = "request.issued", _("Signed and issued a letter")
    REQUEST_REVOKED = "request.revoked", _("Revoked a letter")
    # Signing
    SIGNING_CREDENTIAL_ISSUED = "signing.credential_issued", _("Issued a signing certificate")
    SIGNING_WRONG_PASSPHRASE = "signing.wrong_passphrase", _("Typed a wrong signing passphrase")
    SIGNING_CREDENTIAL_REVOKED = (
        "signing.credential_revoked",
        _("Revoked a signing certificate"),
    )
    # The local PKI and the letters' archive timestamps
    PKI_CA_ROTATED = "pki.ca_rotated", _("Replaced the local certificate authority")
    PKI_TSA_ROTATED = "pki.tsa_rotated", _("Replaced the time-stamping unit")
    LETTER_ARCHIVE_RENEWED = (
        "letter.archive_renewed",
        _("Renewed the archive timestamp of letters"),
    )
    # Backups and the agreement of files and rows
    BACKUP_RESTORED = "backup.restored", _("Restored a backup")
    FILES_QUARANTINED = "files.quarantined", _("Quarantined files that no record holds")
    FILES_ENCRYPTED = "files.encrypted", _("Encrypted private files stored in clear")
    FILE_KEY_ROTATED = "files.key_rotated", _("Moved private files to the newest encryption key")
    # The district's administration
    LETTER_TYPE_SAVED = "letter_type.saved", _("Saved a letter type")
    LETTERHEAD_UPDATED = "village.letterhead_updated", _("Updated the village letterhead")
    STAFF_CREATED = "staff.created", _("Created a staff account")
    STAFF_UPDATED = "staff.updated", _("Changed a staff account")
    STAFF_ACTIVATED = "staff.activated", _("Reactivated a staff account")
    STAFF_DEACTIVATED = "staff.deactivated", _("Deactivated a staff account")
    STAFF_HEAD_REPLACED = "staff.head_replaced", _("Replaced a village head")
    STAFF_PASSWORD_LINK_SENT = (
        "staff.password_link_sent",
        _("Sent a staff member a password link"),
    )
    STAFF_TWO_FACTOR_ENROLLED = "staff.two_factor_enrolled", _("Set up the login code")
    STAFF_BACKUP_CODE_USED = "staff.backup_code_used", _("Logged in with a backup code")
    STAFF_TWO_FACTOR_RESET = "staff.two_factor_reset", _("Reset a staff member's login code")
    # Public information
    ANNOUNCEMENT_CREATED = "announcement.created", _("Published an announcement")
    ANNOUNCEMENT_UPDATED = "announcement.updated", _("Changed an announcement")
    ANNOUNCEMENT_DELETED = "announcement.deleted", _("Deleted an announcement")
    WEBSITES_UPDATED = "content.websites_updated", _("Updated the village website directory")
    # The log itself
    AUDIT_VIEWED = "audit.viewed", _("Viewed the audit log")
    AUDIT_EXPORTED = "audit.exported", _("Exported the audit log")

    @classmethod
    def label_of(cls, code: str) -> str:
        """The label of a stored code; an entry written outside the application (the
        chain check tells) has none."""
        if code in cls.values:
            return str(cls(code).label)
        return str(_("Unknown action"))


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
