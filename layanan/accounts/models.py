"""People who use the system: residents (warga) and the staff who serve them.

Residents log in with their NIK, which is their username; staff log in with a username
given by the Admin Kabupaten. Staff of a village (operator, head) belong to that village;
the district admin belongs to none.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "warga", _("Resident")
    OPERATOR = "operator", _("Village operator")
    HEAD = "kepala", _("Village head")
    DISTRICT_ADMIN = "admin_kabupaten", _("District admin")


VILLAGE_ROLES = (Role.OPERATOR, Role.HEAD)
NIK_REGEX = r"^[0-9]{16}$"
STAFF_USERNAME_REGEX = r"^[a-z][a-z0-9._-]{2,39}$"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        if fields.get("email"):
            fields["email"] = self.normalize_email(fields["email"])
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
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
