"""Writes to the letter catalogue."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from layanan.letters.models import LetterType

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue" / "letter_types.toml"

_FIELDS = (
    "name",
    "category",
    "mode",
    "summary",
    "description",
    "requirements",
    "process",
    "validity_days",
    "icon",
    "classification_code",
)


@dataclass(frozen=True)
class CatalogueLoadResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


@transaction.atomic
def letter_catalogue_load(
    *, path: Path = CATALOGUE_FILE, overwrite: bool = False
) -> CatalogueLoadResult:
    """Create the letter types of the catalogue file that are missing.

    Existing types belong to the Admin Kabupaten, who may have edited them: they are only
    overwritten with the file's texts when ``overwrite`` is asked for explicitly.
    """
    with path.open("rb") as handle:
        entries = tomllib.load(handle)["letter_type"]
    created, updated, unchanged = [], [], []
    for position, entry in enumerate(entries, start=1):
        values = {field: entry[field] for field in _FIELDS}
        values["position"] = position
        letter_type = LetterType.objects.filter(code=entry["code"]).first()
        if letter_type is None:
            letter_type = LetterType(code=entry["code"], **values)
            letter_type.full_clean()
            letter_type.save()
            created.append(letter_type.code)
        elif overwrite and any(getattr(letter_type, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(letter_type, key, value)
            letter_type.full_clean()
            letter_type.save()
            updated.append(letter_type.code)
        else:
            unchanged.append(letter_type.code)
    return CatalogueLoadResult(created=created, updated=updated, unchanged=unchanged)
