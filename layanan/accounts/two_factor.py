"""The second factor of staff logins: TOTP from an authenticator app, plus backup codes.

Built on django-otp's devices, the TOTP secret sealed in the database
(``EncryptedTOTPDevice``). A staff member enrols on their first login (a QR code of
the TOTP secret, confirmed by typing a code), receives ten single-use backup codes shown
once, and from then on confirms every login with a code. The district admin can reset a
member's devices when a phone is lost.
"""

import io

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from layanan.accounts import rules
from layanan.accounts.models import EncryptedTOTPDevice, User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.core.errors import DomainError

BACKUP_CODES = 10


def two_factor_required(user) -> bool:
    """Staff confirm their logins with a second factor (settings.LDM_STAFF_2FA)."""
    return settings.LDM_STAFF_2FA and user.is_authenticated and not user.is_resident


def two_factor_satisfied(user) -> bool:
    return not two_factor_required(user) or user.is_verified()


def confirmed_totp(user: User) -> EncryptedTOTPDevice | None:
    return EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_enrolment_device(user: User) -> EncryptedTOTPDevice:
    """The unconfirmed device being enrolled (created once, kept across page reloads)."""
    device = EncryptedTOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = EncryptedTOTPDevice.objects.create(
            user=user, name="Aplikasi autentikator", confirmed=False
        )
    return device


def totp_qr_svg(device: EncryptedTOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, for the authenticator app to scan."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True
    )
    return buffer.getvalue().decode()


@transaction.atomic
def totp_enrolment_confirm(*, request, token: str) -> list[str]:
    """Confirm the enrolment with a first code; return the backup codes (shown once)."""
    user = request.user
    device = (
        EncryptedTOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    )
    if device is None or not device.verify_token((token or "").strip()):
        raise DomainError(
            _("The code is wrong. Type the 6 digits your authenticator app shows now."),
            code="otp_invalid",
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    EncryptedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = backup_codes_replace(user)
    otp_login(request, device)
    audit_record(actor=user, action=AuditAction.STAFF_TWO_FACTOR_ENROLLED, village=user.village)
    return codes


def backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Kode cadangan", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def two_factor_verify(*, request, token: str) -> None:
    """Check a login's code (TOTP, or a backup code that is then used up)."""
    user = request.user
    token = (token or "").strip().replace(" ", "")
    for device in (
        *EncryptedTOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ):
        verified, _message = device.verify_is_allowed()
        if not verified:
            raise DomainError(
                _("Too many wrong codes. Wait a moment before trying again."), code="otp_throttled"
            )
        if device.verify_token(token):
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                audit_record(
                    actor=user, action=AuditAction.STAFF_BACKUP_CODE_USED, village=user.village
                )
            return
    raise DomainError(_("The code is wrong or has expired."), code="otp_invalid")


@transaction.atomic
def two_factor_reset(*, actor: User, staff: User) -> None:
    """The district admin removes a member's devices (lost phone); they enrol again."""
    if not rules.can_manage_staff(actor):
        raise DomainError(_("Only the district admin can reset a second factor."))
    EncryptedTOTPDevice.objects.filter(user=staff).delete()
    StaticDevice.objects.filter(user=staff).delete()
    audit_record(
        actor=actor, action=AuditAction.STAFF_TWO_FACTOR_RESET, village=staff.village, target=staff
    )
