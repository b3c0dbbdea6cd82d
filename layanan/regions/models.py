"""Indonesia's administrative areas, keyed by their Kemendagri codes.

Codes are the primary keys: they are stable, meaningful (a NIK starts with the district
code) and make loading the official list twice a no-op.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Acronyms that must stay upper case when a name from the official list is title-cased.
_KEEP_UPPER = {"DKI", "DI", "II", "III", "IV", "RT", "RW"}


def display_name(official: str) -> str:
    """Title-case an upper-case official name: "KABUPATEN BATANG" -> "Kabupaten Batang"."""
    words = []
    for word in official.split():
        words.append(word if word.upper() in _KEEP_UPPER else word.capitalize())
    return " ".join(words)


class Province(models.Model):
    """A provinsi, e.g. 33 Jawa Tengah."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(self.name)


class Regency(models.Model):
    """A kabupaten or kota, e.g. 33.25 Kabupaten Batang."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regencies", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("regency")
        verbose_name_plural = _("regencies")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(self.name)

    @property
    def short_name(self) -> str:
        """The name without its kind: "KABUPATEN BATANG" -> "Batang"."""
        for prefix in ("KABUPATEN ", "KOTA ADM. ", "KOTA "):
            if self.name.upper().startswith(prefix):
                return display_name(self.name[len(prefix) :])
        return self.display_name

    @property
    def is_city(self) -> bool:
        return self.name.upper().startswith("KOTA")


class District(models.Model):
    """A kecamatan, e.g. 33.25.11 Batang. Its code without dots starts every local NIK."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="districts", verbose_name=_("regency")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(self.name)

    @property
    def nik_prefix(self) -> str:
        return self.code.replace(".", "")


class VillageKind(models.TextChoices):
    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")


class Village(models.Model):
    """A desa (headed by a Kepala Desa) or kelurahan (headed by a Lurah)."""

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="villages", verbose_name=_("district")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=VillageKind.choices)

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self) -> str:
        return f"{self.kind_label} {self.display_name}"

    @property
    def display_name(self) -> str:
        return display_name(self.name)

    @property
    def kind_label(self) -> str:
        return self.get_kind_display()

    @property
    def is_kelurahan(self) -> bool:
        return self.kind == VillageKind.KELURAHAN

    @property
    def head_title(self) -> str:
        """The title of the person who signs the village's letters."""
        return str(_("Lurah")) if self.is_kelurahan else str(_("Kepala Desa"))

    @staticmethod
    def kind_for_code(code: str) -> str:
        """Kemendagri numbers kelurahan 1xxx and desa 2xxx in the last part of the code."""
        return (
            VillageKind.KELURAHAN if code.rsplit(".", 1)[-1].startswith("1") else VillageKind.DESA
        )


def _logo_path(instance: "VillageOffice", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"logo-desa/{instance.village_id}.{extension}"


class VillageOffice(models.Model):
    """A village office's letterhead and contact data, kept by its operator."""

    village = models.OneToOneField(
        Village,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="office",
        verbose_name=_("village"),
    )
    address = models.CharField(_("office address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    phone = models.CharField(_("telephone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=100, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=200, blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to=_logo_path,
        blank=True,
        help_text=_("PNG, JPG or SVG; the default emblem is used without one."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["village"]
        verbose_name = _("village office")
        verbose_name_plural = _("village offices")

    def __str__(self) -> str:
        return str(self.village)
