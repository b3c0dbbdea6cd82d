"""Loading regions into the database."""

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from layanan.core.errors import DomainError
from layanan.regions import data
from layanan.regions.models import District, Province, Regency, Village


@dataclass(frozen=True)
class RegencyLoadResult:
    regency: Regency
    districts: int
    villages: int
    created: int
    updated: int


M = TypeVar("M", bound=Model)


def _upsert(model: type[M], objects: list[M], fields: list[str]) -> tuple[int, int]:
    """Create missing rows and update changed ones; return (created, updated)."""
    manager = model._default_manager  # `objects`: none of these models declares another
    existing = manager.in_bulk([obj.pk for obj in objects])
    new = [obj for obj in objects if obj.pk not in existing]
    changed = [
        obj
        for obj in objects
        if obj.pk in existing
        and any(getattr(obj, f) != getattr(existing[obj.pk], f) for f in fields)
    ]
    manager.bulk_create(new, batch_size=500)
    if changed:
        manager.bulk_update(changed, fields, batch_size=500)
    return len(new), len(changed)


@transaction.atomic
def regions_load_regency(*, code: str, data_dir: Path | None = None) -> RegencyLoadResult:
    """Load one kabupaten/kota with its province, kecamatan and villages; idempotent."""
    regency_row = next((r for r in data.regencies(data_dir) if r.code == code), None)
    if regency_row is None:
        raise DomainError(_("Regency code %(code)s is not in the region data.") % {"code": code})
    province_row = next(r for r in data.provinces(data_dir) if r.code == regency_row.parent_code)
    district_rows = [r for r in data.districts(data_dir) if r.parent_code == code]
    district_codes = {r.code for r in district_rows}
    village_rows = [r for r in data.villages(data_dir) if r.parent_code in district_codes]

    counts = [
        _upsert(Province, [Province(code=province_row.code, name=province_row.name)], ["name"]),
        _upsert(
            Regency,
            [Regency(code=code, province_id=province_row.code, name=regency_row.name)],
            ["name", "province_id"],
        ),
        _upsert(
            District,
            [District(code=r.code, regency_id=code, name=r.name) for r in district_rows],
            ["name", "regency_id"],
        ),
        _upsert(
            Village,
            [
                Village(
                    code=r.code,
                    district_id=r.parent_code,
                    name=r.name,
                    kind=Village.kind_for_code(r.code),
                )
                for r in village_rows
            ],
            ["name", "district_id", "kind"],
        ),
    ]
    return RegencyLoadResult(
        regency=Regency.objects.get(code=code),
        districts=len(district_rows),
        villages=len(village_rows),
        created=sum(c for c, _ in counts),
        updated=sum(u for _, u in counts),
    )
