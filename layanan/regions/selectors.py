"""Reads of regions used across the project."""

from django.conf import settings
from django.db.models import QuerySet

from layanan.regions.data import national_district_names
from layanan.regions.models import District, Regency, Village


def regency_of_deployment() -> Regency | None:
    """The kabupaten this installation serves (settings.LDM_REGENCY_CODE), if loaded."""
    return Regency.objects.select_related("province").filter(code=settings.LDM_REGENCY_CODE).first()


def districts_of_deployment() -> QuerySet[District]:
    return District.objects.filter(regency_id=settings.LDM_REGENCY_CODE)


def villages_of_district(district_code: str) -> QuerySet[Village]:
    return Village.objects.filter(
        district_id=district_code, district__regency_id=settings.LDM_REGENCY_CODE
    )


def district_name_for_nik_prefix(prefix: str) -> str | None:
    """The kecamatan that issues NIKs starting with these 6 digits, anywhere in Indonesia."""
    return national_district_names().get(prefix)
