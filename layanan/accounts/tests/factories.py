"""Factories for accounts: fictional people only."""

import datetime as dt
import io
from typing import Any

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, Role, User

PASSWORD = "Rahasia-123"


def jpeg_bytes(
    color: tuple[int, int, int] = (200, 180, 150), size: tuple[int, int] = (64, 40)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def nik_for(district_prefix: str, birth_date: dt.date, *, female: bool, sequence: int) -> str:
    day = birth_date.day + (40 if female else 0)
    return f"{district_prefix}{day:02d}{birth_date:%m%y}{sequence:04d}"


def _set_password(user: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
    user.set_password(extracted or PASSWORD)
    if create:
        user.save(update_fields=["password"])


class UserFactory(factory.django.DjangoModelFactory[User]):
    """``UserFactory()`` is typed as the factory; ``UserFactory.create()`` as the user."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    role = Role.RESIDENT
    full_name = factory.Faker("name", locale="id_ID")
    email = factory.Sequence(lambda n: f"warga{n}@example.com")
    email_confirmed_at = factory.LazyFunction(timezone.now)
    username = factory.Sequence(
        lambda n: nik_for("332511", dt.date(1990, 1, 1), female=False, sequence=n + 1)
    )
    password = factory.PostGeneration(_set_password)


class StaffFactory(UserFactory):
    role = Role.OPERATOR
    username = factory.Sequence(lambda n: f"petugas{n}")
    email = factory.Sequence(lambda n: f"petugas{n}@example.com")


class ResidentProfileFactory(factory.django.DjangoModelFactory[ResidentProfile]):
    """A complete profile waiting for verification, in a given village."""

    class Meta:
        model = ResidentProfile

    user = factory.SubFactory(UserFactory)
    birth_place = "BATANG"
    birth_date = dt.date(1990, 1, 1)
    gender = "L"
    address = "Jl. Dr Wahidin"
    rt = "004"
    rw = "003"
    phone = "085740050060"
    kk_number = "3325110101090001"
    education = "05"
    marital_status = "kawin_tercatat"
    religion = "islam"
    occupation = "88"
    status = ProfileStatus.UNVERIFIED
    submitted_at = factory.LazyFunction(timezone.now)
    ktp_file = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="ktp.jpg"))
    kk_file = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((90, 90, 200)), name="kk.jpg"))
