import datetime as dt
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from layanan.letters.fields import (
    LetterDataForm,
    SchemaError,
    display_rows,
    parse_schema,
    raw_group_rows,
    request_specs,
    sample_answers,
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


def test_rows_shown_again_and_posted_unchanged_are_kept():
    """The operator accepts a request without touching its rows: they stay its answers."""
    stored = {"ahli_waris": [{"nama": "Sri", "nik": "", "hubungan": "Istri"}]}
    shown = LetterDataForm(request_specs(HEIRS), initial=stored)
    post = _post(
        **{"isian-ahli_waris-INITIAL_FORMS": shown.groups["ahli_waris"].initial_form_count()}
    )

    form = LetterDataForm(request_specs(HEIRS), post, initial=stored)

    assert form.is_valid()
    assert form.cleaned_data()["ahli_waris"] == stored["ahli_waris"]


def test_a_row_cleared_by_the_operator_is_left_out():
    stored = {
        "ahli_waris": [
            {"nama": "Sri", "nik": "", "hubungan": "Istri"},
            {"nama": "Budi", "nik": "", "hubungan": "Anak"},
        ]
    }
    post = _post(**{"isian-ahli_waris-1-nama": "", "isian-ahli_waris-1-hubungan": ""})

    form = LetterDataForm(request_specs(HEIRS), post, initial=stored)

    assert form.is_valid()
    assert form.cleaned_data()["ahli_waris"] == [{"nama": "Sri", "nik": "", "hubungan": "Istri"}]


# --- Years are years, not quantities (issue 18) ---------------------------------------------

BUSINESS: list[dict[str, Any]] = [
    {"name": "nama_usaha", "label": "Nama Usaha", "kind": "text"},
    {"name": "tahun_mulai_usaha", "label": "Tahun Mulai Usaha", "kind": "year"},
]


def _year_form(typed: str) -> LetterDataForm:
    return LetterDataForm(
        request_specs(BUSINESS),
        {"isian-nama_usaha": "Warung", "isian-tahun_mulai_usaha": typed, "isian-keperluan": "x"},
    )


@pytest.mark.parametrize("typed", ["2016", " 2016 ", "2.016", "2,016"])
def test_a_year_is_four_digits(typed):
    form = _year_form(typed)

    assert form.is_valid()
    assert form.cleaned_data()["tahun_mulai_usaha"] == 2016


def test_a_year_is_from_1900_up_to_this_year():
    this_year = timezone.localdate().year

    assert _year_form(str(this_year)).is_valid()
    assert _year_form("1900").is_valid()
    for typed in ("1899", str(this_year + 1), "16", "dua ribu"):
        form = _year_form(typed)
        assert not form.is_valid(), typed
        (message,) = form.form.errors["tahun_mulai_usaha"]
        # One message for every wrong year, naming the range as years ("2026", not "2.026").
        assert "1900" in message and str(this_year) in message, message


def test_a_year_keeps_its_own_bounds():
    (spec,) = parse_schema(
        [{"name": "tahun", "label": "Tahun", "kind": "year", "min": 2000, "max": 2100}]
    )

    def accepts(typed: str) -> bool:
        return LetterDataForm([spec], {"isian-tahun": typed}).is_valid()

    assert accepts("2000") and accepts("2100")  # a year to come, because max says so
    assert not accepts("1999") and not accepts("2101")


@pytest.mark.parametrize("bound", [{"min": 99}, {"max": 20000}, {"min": "1900"}])
def test_a_year_field_with_bounds_that_are_no_years_is_refused(bound):
    with pytest.raises(SchemaError):
        parse_schema([{"name": "tahun", "label": "Tahun", "kind": "year", **bound}])


def test_years_codes_and_identifiers_read_as_typed_and_amounts_grouped():
    schema: list[dict[str, Any]] = [
        {"name": "tahun_mulai_usaha", "label": "Tahun Mulai Usaha", "kind": "year"},
        # Asked as plain numbers, as admins or older definitions may: still no quantities.
        {"name": "tahun_lulus", "label": "Tahun Lulus", "kind": "number"},
        {"name": "kode_pos", "label": "Kode Pos", "kind": "number"},
        {"name": "nomor_rumah", "label": "Nomor Rumah", "kind": "number"},
        {"name": "luas", "label": "Luas (m²)", "kind": "number"},
        {"name": "penghasilan", "label": "Penghasilan per Bulan (Rp)", "kind": "number"},
        {"name": "omzet_tahunan", "label": "Omzet per Tahun (Rp)", "kind": "number"},
    ]
    data = {
        "tahun_mulai_usaha": 2016,
        "tahun_lulus": 2008,
        "kode_pos": 51215,
        "nomor_rumah": 1024,
        "luas": 1250,
        "penghasilan": 2500000,
        "omzet_tahunan": 30000000,
        "keperluan": "x",
    }

    values = {row.name: row.value for row in display_rows(schema, data)}

    assert values == {
        "tahun_mulai_usaha": "2016",
        "tahun_lulus": "2008",
        "kode_pos": "51215",
        "nomor_rumah": "1024",
        "luas": "1.250",
        "penghasilan": "2.500.000",
        "omzet_tahunan": "30.000.000",  # an amount per year is still an amount
        "keperluan": "x",
    }


def test_a_preview_answers_a_year_with_a_year():
    answers = sample_answers(BUSINESS)

    assert answers["tahun_mulai_usaha"] == 2016
