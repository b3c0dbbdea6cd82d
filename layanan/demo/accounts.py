"""The fictional people of a demo installation: one account per role, the resident's
complete and verified profile with drawn KTP/KK stand-ins, and the staff's second factor
enrolled up front (``setup_demo`` prints their logins once)."""

import base64
import datetime as dt
import io
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from layanan.accounts.choices import Gender, ProfileStatus
from layanan.accounts.models import EncryptedTOTPDevice, ResidentProfile, Role, User
from layanan.accounts.two_factor import backup_codes_replace
from layanan.regions.models import Village

DEMO_VILLAGE = "33.25.11.1015"  # Kelurahan Kauman, Kecamatan Batang: the guide's example


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    full_name: str
    village_code: str | None
    email: str


# Fictional people of the demo installation. The resident's NIK encodes Kecamatan Batang
# (332511), a woman born on 05-06-1995 (day + 40 = 45) and a made-up sequence number.
DEMO_ACCOUNTS = (
    DemoAccount(Role.OPERATOR, "operator.kauman", "Dewi Lestari", DEMO_VILLAGE, "dewi@example.com"),
    DemoAccount(
        Role.HEAD, "lurah.kauman", "Hendra Wijaya, S.E.", DEMO_VILLAGE, "hendra@example.com"
    ),
    DemoAccount(Role.DISTRICT_ADMIN, "admin.kabupaten", "Rina Marlina", None, "rina@example.com"),
    # Last, so that the demo operator exists to have verified her profile.
    DemoAccount(Role.RESIDENT, "3325114506950003", "Siti Rahmawati", None, "siti@example.com"),
)


def _demo_password() -> str:
    # Satisfies the guide's rule: upper and lower case letters plus digits, 8+ characters.
    return f"Desa-{secrets.token_hex(3)}-{secrets.randbelow(90) + 10}Ab"


def specimen_card(title: str, lines: list[str]) -> ContentFile:
    """A drawn stand-in for a KTP or KK photo, marked as fictional."""
    image = Image.new("RGB", (856, 540), (214, 232, 246))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    small = ImageFont.load_default(size=24)
    draw.rectangle([0, 0, 856, 70], fill=(20, 108, 67))
    draw.text((24, 18), title, font=font, fill=(255, 255, 255))
    for row, line in enumerate(lines):
        draw.text((24, 100 + row * 44), line, font=small, fill=(20, 20, 20))
    draw.text((300, 470), "CONTOH - DATA FIKTIF", font=font, fill=(200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue())


def _demo_resident_profile(user: User, village: Village, verifier: User | None) -> None:
    profile = ResidentProfile(
        user=user,
        birth_place="BATANG",
        birth_date=dt.date(1995, 6, 5),
        gender=Gender.FEMALE,
        address="Jl. Dr Wahidin No. 12",
        rt="004",
        rw="003",
        phone="085700000003",
        kk_number="3325110101150007",
        education="08",
        marital_status="kawin_tercatat",
        religion="islam",
        occupation="88",
        village=village,
        submitted_at=timezone.now(),
    )
    card = [
        f"NIK            : {user.username}",
        f"Nama           : {user.full_name.upper()}",
        "Tempat/Tgl Lahir: BATANG, 05-06-1995",
        "Alamat         : JL. DR WAHIDIN NO. 12 RT 004/003",
        f"Kel/Desa       : {village.name.upper()}",
    ]
    profile.ktp_file.save("ktp.jpg", specimen_card("PROVINSI JAWA TENGAH - KTP", card), save=False)
    profile.kk_file.save(
        "kk.jpg", specimen_card("KARTU KELUARGA No. 3325110101150007", card), save=False
    )
    if verifier is not None:
        profile.status = ProfileStatus.VERIFIED
        profile.status_changed_at = timezone.now()
        profile.status_changed_by = verifier
    profile.save()


@transaction.atomic
def demo_accounts_create() -> list[tuple[DemoAccount, str]]:
    """Create the demo accounts that do not exist yet; return them with their new passwords.

    The demo resident lives in Kauman with a complete profile verified by the demo operator,
    so that a visitor can apply for a letter straight away.
    """
    created = []
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        village = Village.objects.get(code=account.village_code) if account.village_code else None
        password = _demo_password()
        user = User.objects.create_user(
            account.username,
            password,
            full_name=account.full_name,
            email=account.email,
            role=account.role,
            village=village,
            email_confirmed_at=timezone.now(),
        )
        if account.role == Role.RESIDENT:
            operator = User.objects.filter(role=Role.OPERATOR, village_id=DEMO_VILLAGE).first()
            _demo_resident_profile(user, Village.objects.get(code=DEMO_VILLAGE), operator)
        created.append((account, password))
    return created


@transaction.atomic
def demo_two_factor_enrol(user: User) -> tuple[str, list[str]]:
    """Enrol a demo staff account up front: (the TOTP key in base32, the backup codes), so
    that a visitor can log in with an authenticator app or a printed backup code."""
    EncryptedTOTPDevice.objects.filter(user=user).delete()
    device = EncryptedTOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return secret, backup_codes_replace(user)
