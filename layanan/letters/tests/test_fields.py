import datetime as dt
from typing import Any

import pytest
from django.http import QueryDict

from layanan.letters.fields import (
    LetterDataForm,
    SchemaError,
    display_rows,
    parse_schema,
    raw_group_rows,
    request_specs,
)
from layanan.letters.services import CATALOGUE_FILE

HEIRS: list[dict[str, Any]] = [
    {"name": "nama_pewaris", "label": "Nama Pewaris", "kind": "text"},
    {"name": "tanggal_meninggal", "label": "Tanggal Meninggal", "kind": "date"},
    {"name": "luas", "label": "Luas (m²)", "kind": "number", "min": 1, "required": False},
    {
        "name": "ahli_waris",
        "label": "Daftar Ahli Waris",
        "kind": "group",
        "min_items": 1,
        "max_items": 5,
        "fields": [
            {"name": "nama", "label": "Nama", "kind": "text"},
            {"name": "nik", "label": "NIK", "kind": "text", "format": "nik", "required": False},
            {
                "name": "hubungan",
                "label": "Hubungan",
                "kind": "choice",
                "choices": ["Anak", "Istri"],
            },
        ],
    },
]


def _post(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(
        {
            "isian-nama_pewaris": "Slamet",
            "isian-tanggal_meninggal": "2022-10-01",
            "isian-luas": "",
            "isian-keperluan": "Balik nama sertifikat",
            "isian-ahli_waris-TOTAL_FORMS": "3",
            "isian-ahli_waris-INITIAL_FORMS": "0",
            "isian-ahli_waris-0-nama": "Sri",
            "isian-ahli_waris-0-nik": "",
            "isian-ahli_waris-0-hubungan": "Istri",
            "isian-ahli_waris-1-nama": "",
            "isian-ahli_waris-1-nik": "",
            "isian-ahli_waris-1-hubungan": "",
            "isian-ahli_waris-2-nama": "",
            "isian-ahli_waris-2-nik": "",
            "isian-ahli_waris-2-hubungan": "",
        }
    )
    data.update(values)
    return data


def test_the_shipped_catalogue_has_valid_fields():
    import tomllib

    with CATALOGUE_FILE.open("rb") as handle:
        types = tomllib.load(handle)["letter_type"]
    assert len(types) == 19
    for letter_type in types:
        specs = request_specs(letter_type.get("fields", []))
        assert specs[-1].name == "keperluan", letter_type["code"]


@pytest.mark.parametrize(
    "bad",
    [
        [{"name": "keperluan", "label": "x", "kind": "text"}],
        [{"name": "Bad Name", "label": "x", "kind": "text"}],
        [{"name": "a", "label": "x", "kind": "colour"}],
        [{"name": "a", "label": "x", "kind": "choice", "choices": ["only one"]}],
        [{"name": "a", "label": "x", "kind": "group", "fields": []}],
        [{"name": "a", "label": "x", "kind": "text"}, {"name": "a", "label": "y", "kind": "text"}],
        [
            {
                "name": "g",
                "label": "x",
                "kind": "group",
                "fields": [{"name": "h", "label": "y", "kind": "group", "fields": []}],
            }
        ],
    ],
)
def test_bad_schemas_are_refused(bad):
    with pytest.raises(SchemaError):
        parse_schema(bad)


def test_answers_become_json_with_groups_as_lists():
    form = LetterDataForm(request_specs(HEIRS), _post())

    assert form.is_valid()
    assert form.cleaned_data() == {
        "nama_pewaris": "Slamet",
        "tanggal_meninggal": "2022-10-01",
        "luas": "",
        "ahli_waris": [{"nama": "Sri", "nik": "", "hubungan": "Istri"}],
        "keperluan": "Balik nama sertifikat",
    }


def test_a_group_needs_its_minimum_rows():
    form = LetterDataForm(
        request_specs(HEIRS),
        _post(**{"isian-ahli_waris-0-nama": "", "isian-ahli_waris-0-hubungan": ""}),
    )

    assert not form.is_valid()


def test_a_nik_in_a_group_is_checked():
    form = LetterDataForm(request_specs(HEIRS), _post(**{"isian-ahli_waris-0-nik": "123"}))

    assert not form.is_valid()
    assert form.groups["ahli_waris"].forms[0].errors["nik"]


def test_typed_rows_survive_adding_a_row_without_javascript():
    spec = request_specs(HEIRS)[3]

    rows = raw_group_rows(_post(), spec)
    form = LetterDataForm(
        request_specs(HEIRS), initial={"ahli_waris": rows}, extra_rows={"ahli_waris": 1}
    )

    assert rows == [{"nama": "Sri", "nik": "", "hubungan": "Istri"}]
    assert form.groups["ahli_waris"].total_form_count() == 1 + 2 + 1


def test_answers_read_back_in_indonesian():
    data: dict[str, Any] = {
        "nama_pewaris": "Slamet",
        "tanggal_meninggal": "2022-11-06",
        "luas": 1250,
        "ahli_waris": [{"nama": "Sri", "nik": "", "hubungan": "Istri"}],
        "keperluan": "Balik nama",
    }

    rows = display_rows(HEIRS, data)

    assert [(r.label, r.value) for r in rows if not r.is_table] == [
        ("Nama Pewaris", "Slamet"),
        ("Tanggal Meninggal", "06 November 2022"),
        ("Luas (m²)", "1.250"),
        ("Keperluan", "Balik nama"),
    ]
    heirs = rows[3]
    assert heirs.table_headers == ("Nama", "NIK", "Hubungan")
    assert heirs.table_rows == (("Sri", "-", "Istri"),)
    assert dt.date.fromisoformat(data["tanggal_meninggal"])
