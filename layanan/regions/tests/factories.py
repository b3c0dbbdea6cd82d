"""Regions for tests: real rows from the shipped data, created one at a time."""

from layanan.regions import data
from layanan.regions.models import District, Province, Regency, Village


def _row(rows, code):
    return next(row for row in rows if row.code == code)


def village_from_data(code: str) -> Village:
    """Create one village with its district, regency and province, as in the official data."""
    district_code, regency_code, province_code = code[:8], code[:5], code[:2]
    province, _ = Province.objects.get_or_create(
        code=province_code, defaults={"name": _row(data.provinces(), province_code).name}
    )
    regency, _ = Regency.objects.get_or_create(
        code=regency_code,
        defaults={"province": province, "name": _row(data.regencies(), regency_code).name},
    )
    district, _ = District.objects.get_or_create(
        code=district_code,
        defaults={"regency": regency, "name": _row(data.districts(), district_code).name},
    )
    village, _ = Village.objects.get_or_create(
        code=code,
        defaults={
            "district": district,
            "name": _row(data.villages(), code).name,
            "kind": Village.kind_for_code(code),
        },
    )
    return village
