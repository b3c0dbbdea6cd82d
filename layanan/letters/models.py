"""The letter catalogue: the kinds of letters a village issues, kept as data."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layanan.letters import validity
from layanan.letters.validity import ValidityUnit

DEFAULT_NUMBER_PATTERN = "{kode}/{nomor:03}/{bulan_romawi}/{tahun}"


class LetterCategory(models.TextChoices):
    KETERANGAN = "keterangan", _("Surat Keterangan")
    PENGANTAR = "pengantar", _("Surat Pengantar")


class RequestMode(models.TextChoices):
    """How a resident asks for the letter (the guide's column "Keterangan")."""

    MANDIRI = "mandiri", _("Mandiri")
    DATANG_LANGSUNG = "datang_langsung", _("Datang Langsung")


class LetterTypeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class LetterType(models.Model):
    """A kind of letter: its public description, requirements, process and numbering.

    The Admin Kabupaten edits these rows; the initial catalogue comes from
    ``catalogue/letter_types.toml`` through ``manage.py load_letter_catalogue``.
    """

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]+(-[A-Z0-9]+)*$", _("Use capital letters, digits and hyphens.")
            )
        ],
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=LetterCategory.choices)
    mode = models.CharField(_("request mode"), max_length=20, choices=RequestMode.choices)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"))
    requirements = models.JSONField(_("requirements"), default=list)
    process = models.JSONField(_("application process"), default=list)
    validity_amount = models.PositiveIntegerField(
        _("validity"),
        default=30,
        validators=[MinValueValidator(1, message=validity.TOO_SHORT)],
        help_text=_("How long the letter is valid after the day it is issued."),
    )
    validity_unit = models.CharField(
        _("validity unit"),
        max_length=10,
        choices=ValidityUnit.choices,
        default=ValidityUnit.DAYS,
        help_text=_(
            "1 month runs to the same date of the next month, or to its last day when "
            "that month is shorter."
        ),
    )
    icon = models.CharField(_("icon"), max_length=60, default="file-lines")
    classification_code = models.CharField(_("classification code"), max_length=20)
    number_pattern = models.CharField(
        _("number pattern"), max_length=100, default=DEFAULT_NUMBER_PATTERN
    )
    fields = models.JSONField(
        _("form fields"),
        default=list,
        blank=True,
        help_text=_(
            "The type's own fields beyond the applicant's data; Keperluan is always added."
        ),
    )
    public_fields = models.JSONField(
        _("fields shown on the verification page"),
        default=list,
        blank=True,
        help_text=_(
            "Names of the type's fields that anyone holding the QR code may read (e.g. the "
            "business name); none by default. A field holding a NIK or income never is."
        ),
    )
    body_template = models.TextField(
        _("letter body template (Typst)"),
        blank=True,
        help_text=_("Empty: the template shipped with the system for this type."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LetterTypeQuerySet.as_manager()

    class Meta:
        ordering = ["category", "position", "name"]
        verbose_name = _("letter type")
        verbose_name_plural = _("letter types")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("letters:type-detail", kwargs={"code": self.code.lower()})

    @property
    def is_mandiri(self) -> bool:
        return self.mode == RequestMode.MANDIRI

    def clean(self) -> None:
        # An amount under 1 is already refused by the field's own validator.
        if self.validity_amount and self.validity_unit in ValidityUnit.values:
            try:
                validity.validity_check(self.validity_amount, self.validity_unit)
            except ValidationError as error:
                raise ValidationError({"validity_amount": error}) from error

    def valid_until(self, issued: dt.date) -> dt.date:
        """The last day a letter of this type issued on ``issued`` is valid."""
        return validity.valid_until(issued, self.validity_amount, self.validity_unit)

    @property
    def validity_text(self) -> str:
        """'30 hari sejak surat diterbitkan', as a letter not yet issued states it."""
        return validity.validity_text(self.validity_amount, self.validity_unit)

    @property
    def validity_in_months(self) -> bool:
        return self.validity_unit == ValidityUnit.MONTHS


class LetterTypeVersion(models.Model):
    """What a letter type looked like from one edit to the next. A letter records the
    version it was issued with, so editing a type never changes letters already issued."""

    letter_type = models.ForeignKey(
        LetterType, on_delete=models.PROTECT, related_name="versions", verbose_name=_("letter type")
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["letter_type", "-number"]
        verbose_name = _("letter type version")
        verbose_name_plural = _("letter type versions")
        constraints = [
            models.UniqueConstraint(fields=["letter_type", "number"], name="letters_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.letter_type.code} v{self.number}"


class RequestStatus(models.TextChoices):
    """DESIGN.md section 5. The legal moves between them are in lifecycle.py."""

    PROSES = "proses", _("In process")
    KONSEP = "konsep", _("Draft")
    TERBIT = "terbit", _("Issued")
    DITOLAK = "ditolak", _("Rejected")
    DIBATALKAN = "dibatalkan", _("Cancelled")
    DICABUT = "dicabut", _("Revoked")


class LetterRequest(models.Model):
    """A request for a letter, from submission (or the counter) to the issued letter.

    The applicant's data is copied from their profile (or typed by the operator at the
    counter) when the request is made and refreshed when the operator accepts it, so that
    the letter shows the data that was checked, whatever the profile says later.
    """

    registration_number = models.CharField(_("registration number"), max_length=13, unique=True)
    letter_type = models.ForeignKey(
        LetterType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("letter type")
    )
    village = models.ForeignKey(
        "regions.Village",
        on_delete=models.PROTECT,
        related_name="letter_requests",
        verbose_name=_("village"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter_requests",
        verbose_name=_("applicant account"),
        help_text=_("Empty for a walk-in applicant without an account."),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=RequestMode.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PROSES
    )
    status_note = models.TextField(
        _("reason"), blank=True, help_text=_("Why it was rejected or revoked.")
    )
    applicant_nik = models.CharField(_("NIK"), max_length=16, db_index=True)
    applicant_name = models.CharField(_("full name"), max_length=120)
    applicant_birth_place = models.CharField(_("place of birth"), max_length=60)
    applicant_birth_date = models.DateField(_("date of birth"))
    applicant_gender = models.CharField(_("sex"), max_length=20)
    applicant_religion = models.CharField(_("religion"), max_length=40)
    applicant_marital_status = models.CharField(_("marital status"), max_length=40)
    applicant_occupation = models.CharField(_("occupation"), max_length=60)
    # Empty on requests made before citizenship was recorded: their letters print no row.
    applicant_citizenship = models.CharField(
        _("citizenship"), max_length=40, blank=True, default=""
    )
    applicant_address = models.CharField(_("address"), max_length=250)
    form_schema = models.JSONField(
        _("form fields"),
        default=list,
        help_text=_("The letter type's fields when the request was made."),
    )
    data = models.JSONField(_("answers"), default=dict)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    # --- The issued letter (set in the signing transaction; never changed afterwards) ---
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True)
    letter_year = models.PositiveSmallIntegerField(_("letter year"), null=True, blank=True)
    letter_sequence = models.PositiveIntegerField(_("sequence in the year"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signer_name = models.CharField(_("signer's name"), max_length=120, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=120, blank=True)
    signature_backend = models.CharField(_("signature service"), max_length=20, blank=True)
    certificate_fingerprint = models.CharField(
        _("certificate fingerprint"), max_length=64, blank=True
    )
    document = models.FileField(_("signed PDF"), upload_to="surat/%Y/%m/", blank=True)
    document_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    verification_token = models.CharField(
        _("verification token"), max_length=32, null=True, blank=True, unique=True
    )
    # The HMAC of the access code printed beside the QR code (letters.access_codes); empty
    # for letters issued before access codes existed, which only their owner downloads.
    access_code_hash = models.CharField(
        _("access code (HMAC)"), max_length=64, blank=True, default="", editable=False
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    letter_type_version = models.ForeignKey(
        LetterTypeVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued with version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The random key of the form page the request was made from (forms.SubmissionKeyForm):
    # the same page posted twice, by a double tap or a retry, makes one request.
    submission_key = models.CharField(
        _("submission key"), max_length=64, blank=True, default="", editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("letter request")
        verbose_name_plural = _("letter requests")
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"], name="request_history"),
            models.Index(fields=["village", "status", "-submitted_at"], name="request_inbox"),
            # Measured at 1,000,000 requests (README "Deployment", scaling notes): the inbox
            # over all statuses and the statistics of a village or of the kabupaten, counts
            # and times to issue (index-only on PostgreSQL: a request's row is large) ...
            models.Index(
                fields=["village", "submitted_at"],
                include=["status", "letter_type", "issued_at"],
                name="request_village_time",
            ),
            # ... the kabupaten's statistics of a period, and the upload check by digest.
            models.Index(
                fields=["submitted_at"],
                include=["village", "status", "letter_type", "issued_at"],
                name="request_period_stats",
            ),
            models.Index(
                fields=["document_sha256"],
                condition=~models.Q(document_sha256=""),
                name="request_document_sha256",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["ditolak", "dicabut"]) | ~models.Q(status_note=""),
                name="letters_request_refusal_has_reason",
            ),
            # An issued (or revoked) letter has its number, its signed PDF and its token;
            # a letter that was never issued has no number.
            models.CheckConstraint(
                condition=~models.Q(status__in=["terbit", "dicabut"])
                | (
                    ~models.Q(letter_number="")
                    & models.Q(letter_sequence__isnull=False)
                    & ~models.Q(document="")
                    & ~models.Q(document_sha256="")
                    & models.Q(verification_token__isnull=False)
                    & models.Q(issued_at__isnull=False)
                    & models.Q(valid_until__isnull=False)
                ),
                name="letters_issued_letter_is_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(letter_number="") | models.Q(status__in=["terbit", "dicabut"]),
                name="letters_only_issued_letters_have_numbers",
            ),
            models.UniqueConstraint(
                fields=["village", "letter_year", "letter_sequence"],
                condition=models.Q(letter_sequence__isnull=False),
                name="letters_unique_sequence_per_village_year",
            ),
            models.UniqueConstraint(
                fields=["village", "letter_year", "letter_number"],
                condition=~models.Q(letter_number=""),
                name="letters_unique_number_per_village_year",
            ),
            # A key belongs to the person who posted the form: another person's key is
            # simply another submission, and never finds their request.
            models.UniqueConstraint(
                fields=["created_by", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="letters_unique_submission_per_creator",
            ),
        ]

    # The access code in clear, on the instance the signing returns only (the demo prints
    # it); never a column: the database keeps its HMAC.
    access_code = ""

    def __str__(self) -> str:
        return f"{self.registration_number} {self.letter_type}"

    @property
    def keperluan(self) -> str:
        return self.data.get("keperluan", "")

    @property
    def applicant_erased(self) -> bool:
        """The applicant closed their account: the register keeps the letter, not their data
        (layanan.privacy). Every other request has the applicant's NIK."""
        return not self.applicant_nik

    @property
    def is_issued(self) -> bool:
        return self.status in (RequestStatus.TERBIT, RequestStatus.DICABUT)

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.valid_until is not None and self.valid_until < today


class RequestAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted online")
    REGISTERED = "registered", _("Registered at the village office")
    ACCEPTED = "accepted", _("Accepted and drafted by the operator")
    CORRECTED = "corrected", _("Answers corrected by the operator")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled by the applicant")
    RETURNED = "returned", _("Sent back to the operator by the village head")
    ISSUED = "issued", _("Signed and issued")
    REVOKED = "revoked", _("Revoked")


class LetterRequestEvent(models.Model):
    """One step of a request's timeline: who did what, when, and why."""

    request = models.ForeignKey(
        LetterRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=20, choices=RequestAction.choices)
    from_status = models.CharField(
        _("from"), max_length=12, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=RequestStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"
