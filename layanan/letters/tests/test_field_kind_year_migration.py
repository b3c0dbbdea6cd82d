"""Migration 0010: installed letter types ask the business year as a year (kind "year"),
keeping every other field and any bounds of the admin's own; backwards gives the number."""

import importlib

import pytest
from django.apps import apps

from layanan.letters.models import LetterType

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("layanan.letters.migrations.0010_field_kind_year")
AS_SHIPPED = {
    "name": "tahun_mulai_usaha",
    "label": "Tahun Mulai Usaha",
    "kind": "number",
    "required": True,
    "min": 1950,
    "max": 2100,
}


def _fields(code: str) -> list[dict]:
    return LetterType.objects.get(code=code).fields


def test_the_business_year_becomes_a_year_and_nothing_else_changes(catalogue):
    usaha = LetterType.objects.get(code="SK-USAHA")
    others = [f for f in usaha.fields if f["name"] != "tahun_mulai_usaha"]
    usaha.fields = [*others, AS_SHIPPED]
    usaha.save(update_fields=["fields"])
    before = {t.code: t.fields for t in LetterType.objects.exclude(code="SK-USAHA")}

    MIGRATION.forwards(apps, None)

    assert _fields("SK-USAHA") == [
        *others,
        {
            "name": "tahun_mulai_usaha",
            "label": "Tahun Mulai Usaha",
            "kind": "year",
            "required": True,
        },
    ]
    assert {t.code: t.fields for t in LetterType.objects.exclude(code="SK-USAHA")} == before
    MIGRATION.forwards(apps, None)  # idempotent
    assert _fields("SK-USAHA")[-1]["kind"] == "year"

    MIGRATION.backwards(apps, None)
    assert _fields("SK-USAHA")[-1]["kind"] == "number"


def test_bounds_the_admin_set_are_kept(catalogue):
    usaha = LetterType.objects.get(code="SK-USAHA")
    usaha.fields = [{**AS_SHIPPED, "min": 1980, "max": 2100}]
    usaha.save(update_fields=["fields"])

    MIGRATION.forwards(apps, None)

    assert _fields("SK-USAHA") == [
        {
            "name": "tahun_mulai_usaha",
            "label": "Tahun Mulai Usaha",
            "kind": "year",
            "required": True,
            "min": 1980,
        }
    ]
