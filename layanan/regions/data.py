"""Reading the official region list shipped in data/wilayah (ODbL, see its README)."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class RegionRow:
    code: str
    parent_code: str
    name: str


def _rows(filename: str, data_dir: Path | None = None) -> Iterator[RegionRow]:
    path = (data_dir or settings.LDM_REGION_DATA_DIR) / filename
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)  # header
        for row in reader:
            if len(row) == 2:
                yield RegionRow(code=row[0], parent_code="", name=row[1])
            else:
                yield RegionRow(code=row[0], parent_code=row[1], name=row[2])


def provinces(data_dir: Path | None = None) -> Iterator[RegionRow]:
    return _rows("provinces.csv", data_dir)


def regencies(data_dir: Path | None = None) -> Iterator[RegionRow]:
    return _rows("regencies.csv", data_dir)


def districts(data_dir: Path | None = None) -> Iterator[RegionRow]:
    return _rows("districts.csv", data_dir)


def villages(data_dir: Path | None = None) -> Iterator[RegionRow]:
    return _rows("villages.csv", data_dir)


@cache
def national_district_names() -> dict[str, str]:
    """Every kecamatan of Indonesia by the 6-digit NIK prefix it issues, e.g. "332511"."""
    return {row.code.replace(".", ""): row.name for row in districts()}
