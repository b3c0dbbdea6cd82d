"""The letter catalogue: the kinds of letters a village issues, kept as data."""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
    validity_days = models.PositiveIntegerField(
        _("validity (days)"), default=30, validators=[MinValueValidator(1)]
    )
    icon = models.CharField(_("icon"), max_length=60, default="file-lines")
    classification_code = models.CharField(_("classification code"), max_length=20)
    number_pattern = models.CharField(
        _("number pattern"), max_length=100, default=DEFAULT_NUMBER_PATTERN
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
