"""People who use the system: residents (warga) and the staff who serve them.

Residents log in with their NIK, which is their username; staff log in with a username
given by the Admin Kabupaten. Staff of a village (operator, head) belong to that village;
the district admin belongs to none.
"""

import uuid
from typing import Any, cast

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from layanan.accounts.choices import (
    OCCUPATIONS,
    Citizenship,
    DocumentKind,
    Education,
    Gender,
    MaritalStatus,
    ProfileStatus,
    Religion,
)
from layanan.core.crypto import is_sealed, secret_open, secret_seal


class Role(models.TextChoices):
    RESIDENT = "warga", _("Resident")
    OPERATOR = "operator", _("Village operator")
    HEAD = "kepala", _("Village head")
    DISTRICT_ADMIN = "admin_kabupaten", _("District admin")


VILLAGE_ROLES = (Role.OPERATOR, Role.HEAD)
NIK_REGEX = r"^[0-9]{16}$"
STAFF_USERNAME_REGEX = r"^[a-z][a-z0-9._-]{2,39}$"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields: Any) -> "User":
        if fields.get("email"):
            fields["email"] = self.normalize_email(fields["email"])
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("role", Role.DISTRICT_ADMIN)
        fields.setdefault("full_name", username)
        fields["is_superuser"] = True
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. For residents, ``username`` is the 16-digit NIK."""

    username = models.CharField(_("username"), max_length=40, unique=True)
    full_name = models.CharField(_("full name"), max_length=120)
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    village = models.ForeignKey(
        "regions.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("village"),
        help_text=_("The village an operator or head works for."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    staff_nik = models.CharField(
        _("NIK (staff)"),
        max_length=16,
        blank=True,
        help_text=_("A village head's NIK, to which their BSrE certificate is bound."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="warga") | models.Q(username__regex=NIK_REGEX),
                name="accounts_user_resident_username_is_nik",
            ),
            # One current head per village; a replaced head stays, inactive, as the signer
            # of the letters they signed.
            models.UniqueConstraint(
                fields=["village"],
                condition=models.Q(role="kepala", is_active=True),
                name="accounts_one_active_head_per_village",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["operator", "kepala"], village__isnull=False)
                | models.Q(role__in=["warga", "admin_kabupaten"], village__isnull=True),
                name="accounts_user_village_iff_village_staff",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_head(self) -> bool:
        return self.role == Role.HEAD

    @property
    def is_district_admin(self) -> bool:
        return self.role == Role.DISTRICT_ADMIN

    @property
    def is_village_staff(self) -> bool:
        return self.role in VILLAGE_ROLES

    @property
    def nik(self) -> str | None:
        return self.username if self.is_resident else None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


def _identity_document_path(instance: "ResidentProfile", filename: str) -> str:
    # Random names: a file name never carries the NIK or the person's name.
    extension = filename.rsplit(".", 1)[-1]
    return f"identitas/{instance.public_id}/{uuid.uuid4().hex}.{extension}"


# Fields that describe the person as on their KTP and KK: changing any of them after
# verification sends the profile back to the operator.
IDENTITY_FIELDS = (
    "full_name",
    "birth_place",
    "birth_date",
    "gender",
    "address",
    "rt",
    "rw",
    "kk_number",
    "education",
    "marital_status",
    "religion",
    "occupation",
    "citizenship",
    "village",
    "ktp_file",
    "kk_file",
)


class ResidentProfile(models.Model):
    """A resident's data as on their KTP and KK, and its verification by the village."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    birth_place = models.CharField(_("place of birth"), max_length=60)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("sex"), max_length=1, choices=Gender.choices, blank=True)
    address = models.CharField(_("address as on the KTP"), max_length=200, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    kk_number = models.CharField(_("KK number"), max_length=16, blank=True)
    education = models.CharField(
        _("education"), max_length=2, choices=Education.choices, blank=True
    )
    marital_status = models.CharField(
        _("marital status"), max_length=24, choices=MaritalStatus.choices, blank=True
    )
    religion = models.CharField(_("religion"), max_length=16, choices=Religion.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=2, choices=OCCUPATIONS, blank=True)
    # Almost every resident is WNI; the operator checks it against the KTP like the rest.
    citizenship = models.CharField(
        _("citizenship"), max_length=3, choices=Citizenship.choices, default=Citizenship.WNI
    )
    village = models.ForeignKey(
        "regions.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("village"),
    )
    ktp_file = models.FileField(_("KTP"), upload_to=_identity_document_path, blank=True)
    kk_file = models.FileField(_("KK"), upload_to=_identity_document_path, blank=True)
    status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=ProfileStatus.choices,
        default=ProfileStatus.UNVERIFIED,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    submitted_at = models.DateTimeField(
        _("submitted for verification at"),
        null=True,
        blank=True,
        help_text=_("When the profile was last completed or changed, waiting for the operator."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("resident profile")
        verbose_name_plural = _("resident profiles")
        indexes = [models.Index(fields=["village", "status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ditolak") | ~models.Q(rejection_reason=""),
                name="accounts_profile_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def full_address(self) -> str:
        parts = [self.address]
        if self.rt or self.rw:
            parts.append(f"RT {self.rt or '-'} RW {self.rw or '-'}")
        return " ".join(p for p in parts if p)

    @property
    def occupation_label(self) -> str:
        return self.get_occupation_display()

    def document(self, kind: str):
        return self.ktp_file if kind == DocumentKind.KTP else self.kk_file

    def missing_fields(self) -> list[str]:
        """Labels of what a resident must still fill in before the profile can be verified.

        A verified profile whose KTP and KK were deleted after their retention period
        (layanan.privacy) misses nothing: the files served the verification, which stands
        until the identity data changes (then they are asked for again)."""
        required = (
            "gender",
            "address",
            "rt",
            "rw",
            "phone",
            "kk_number",
            "education",
            "marital_status",
            "religion",
            "occupation",
            "village",
            "ktp_file",
            "kk_file",
        )
        return [
            # All are concrete fields of this model, never reverse relations.
            str(cast(models.Field, self._meta.get_field(name)).verbose_name)
            for name in required
            if not getattr(self, name if name != "village" else "village_id")
            and not (self.is_verified and name in ("ktp_file", "kk_file"))
        ]

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields()

    @property
    def is_verified(self) -> bool:
        return self.status == ProfileStatus.VERIFIED


def totp_secret_seal(hex_key: str) -> str:
    """The sealed form of a hex TOTP secret, as it fits the column (django-otp's 20-byte keys)."""
    sealed = secret_seal(bytes.fromhex(hex_key))
    if len(sealed) > 80:  # TOTPDevice.key's max_length
        raise ValueError("The TOTP secret is too long to be stored sealed.")
    return sealed


class EncryptedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device (the staff's authenticator app) with its secret sealed in the
    database under the keyring of LDM_FILE_KEYS (``layanan.core.crypto.secret_seal``): the
    ``key`` column holds ``ldm1$...``, never the secret. A row from before (hex) still works
    and is sealed by migration ``accounts.0006`` or on its next save."""

    key: str  # django-otp's field, for the type checker (django-otp has no types)

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    @property
    def bin_key(self) -> bytes:
        if is_sealed(self.key):
            return secret_open(self.key)[0]
        return bytes.fromhex(self.key)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not is_sealed(self.key):
            self.key = totp_secret_seal(self.key)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "key"}
        super().save(*args, **kwargs)
