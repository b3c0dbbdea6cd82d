"""The statistics page and its exports: who sees what, and the figures they carry."""

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import load_workbook

from layanan.backoffice.tests import stats_data
from layanan.backoffice.tests.stats_data import BLUMAH, SILURAH
from layanan.letters.models import RequestStatus

pytestmark = pytest.mark.django_db

PAGE = reverse("backoffice:statistics")
CSV = reverse("backoffice:statistics-csv")
XLSX = reverse("backoffice:statistics-xlsx")


@pytest.fixture
def specs(kauman, other_village):
    return stats_data.make_specs([kauman.code, other_village.code, SILURAH, BLUMAH], count=40)


@pytest.fixture
def dataset(catalogue, specs, kauman, other_village):
    return stats_data.create(
        specs, stats_data.make_profile_specs([kauman.code, other_village.code])
    )


def _statuses(stats) -> dict[str, int]:
    return {row.key: row.count for row in stats.by_status}


# --- Permissions -----------------------------------------------------------------------------

# Columns: a subset of the root conftest's actors.
COLUMNS = ("anonymous", "owner", "operator", "other_operator", "head", "admin")


@pytest.mark.parametrize("url", [PAGE, CSV, XLSX])
def test_permission_matrix(client, actors, log_in_as, catalogue, url):
    statuses = []
    for actor in COLUMNS:
        log_in_as(actors[actor])
        statuses.append(client.get(url).status_code)

    assert statuses == [302, 403, 200, 200, 200, 200]


# --- Scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"desa": "33.25.11.2004"},
        {"kecamatan": "33.25.11", "desa": "33.25.11.2004"},
        {"kecamatan": "33.25.01"},
    ],
)
def test_an_operator_sees_only_their_village(client, dataset, specs, operator, query):
    client.force_login(operator)

    response = client.get(PAGE, query)

    stats = response.context["stats"]
    assert (stats.scope.level, stats.scope.code) == ("desa", operator.village_id)
    expected = stats_data.only(specs, [operator.village_id])
    assert _statuses(stats) == stats_data.by_status(expected)
    assert "kecamatan" not in response.context["form"].fields
    others = {
        row.registration_number
        for row in dataset
        if row.village_id != operator.village_id and row.status == RequestStatus.PROSES
    }
    content = response.content.decode()
    assert others
    assert not any(number in content for number in others)


def test_the_exports_of_an_operator_stay_in_their_village(client, dataset, specs, head):
    client.force_login(head)
    query = {"kecamatan": "33.25.11", "desa": "33.25.11.2004"}
    expected = stats_data.by_status(stats_data.only(specs, [head.village_id]))

    rows = _csv_rows(client.get(CSV, query))
    workbook = _workbook(client.get(XLSX, query))

    assert _csv_section(rows, "Menurut status") == {
        code: str(count) for code, count in expected.items()
    }
    assert _xlsx_column(workbook["Menurut status"]) == expected
    assert "Kauman" in dict(_csv_section_rows(rows, "Ringkasan"))["Cakupan"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({}, ["33.25.11.1015", "33.25.11.2004", SILURAH]),
        ({"kecamatan": "33.25.11"}, ["33.25.11.1015", "33.25.11.2004"]),
        ({"kecamatan": "33.25.11", "desa": "33.25.11.2004"}, ["33.25.11.2004"]),
        # A village left selected from another kecamatan no longer applies.
        ({"kecamatan": "33.25.01", "desa": "33.25.11.2004"}, [SILURAH]),
    ],
)
def test_the_district_admin_chooses_the_scope(client, dataset, specs, district_admin, query, codes):
    client.force_login(district_admin)

    response = client.get(PAGE, query)

    stats = response.context["stats"]
    expected = stats_data.only(specs, codes)
    assert stats.total == len(expected)
    assert _statuses(stats) == stats_data.by_status(expected)
    assert (stats.median_to_issue, stats.p90_to_issue) == stats_data.median_and_p90(expected)


def test_a_village_of_another_kabupaten_is_refused(client, dataset, district_admin):
    client.force_login(district_admin)

    response = client.get(PAGE, {"kecamatan": "33.24.01", "desa": BLUMAH})

    assert response.status_code == 400
    assert response.context["stats"] is None


def test_a_reversed_period_is_refused(client, operator):
    client.force_login(operator)
    period = {"dari": "2024-05-01", "sampai": "2024-04-01"}

    assert client.get(PAGE, period).status_code == 400
    assert client.get(CSV, period).status_code == 400
    assert client.get(XLSX, period).status_code == 400


# --- The page --------------------------------------------------------------------------------


def test_the_page_draws_accessible_charts_and_tables(client, dataset, specs, operator):
    client.force_login(operator)

    response = client.get(PAGE, {"dari": "2024-01-01", "sampai": "2024-12-31"})

    content = response.content.decode()
    assert content.count('role="img"') >= 3
    assert 'aria-label="Permohonan menurut status"' in content
    assert "<title" in content
    assert "Statistik" in content
    assert "01 Januari 2024" in content  # dates are written the Indonesian way
    expected = stats_data.by_status(stats_data.only(specs, [operator.village_id]))
    charts = response.context["charts"]
    assert [(bar.label, bar.value) for bar in charts[0].bars] == [
        (str(label), expected[value]) for value, label in RequestStatus.choices
    ]


def test_the_page_needs_the_same_queries_for_more_data(
    client,
    catalogue,
    district_admin,
    kauman,
    other_village,
    django_assert_max_num_queries,
    settings,
):
    settings.LDM_STATISTICS_CACHE_SECONDS = 0  # computed each time: what is measured here
    villages = [kauman.code, other_village.code, SILURAH]
    stats_data.create(stats_data.make_specs(villages, count=10), [])
    client.force_login(district_admin)
    with CaptureQueriesContext(connection) as small:
        client.get(PAGE, {"kecamatan": "33.25.11"})

    stats_data.create(stats_data.make_specs(villages, count=100, seed=5), [])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(PAGE, {"kecamatan": "33.25.11"})

    assert response.context["stats"].total > 70


def test_the_figures_of_a_kecamatan_are_kept_a_while_and_say_as_of_when(
    client, catalogue, district_admin, kauman, other_village
):
    villages = [kauman.code, other_village.code]
    stats_data.create(stats_data.make_specs(villages, count=10), [])
    client.force_login(district_admin)
    first = client.get(PAGE, {"kecamatan": "33.25.11"}).context["stats"]

    stats_data.create(stats_data.make_specs(villages, count=10, seed=5), [])
    with CaptureQueriesContext(connection) as captured:
        again = client.get(PAGE, {"kecamatan": "33.25.11"})

    assert again.context["stats"] == first
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"]]
    shown = date_format(timezone.localtime(first.computed_at), "DATETIME_FORMAT")
    assert f"Angka per {shown}" in again.content.decode()
    cache.clear()  # the lifetime is over
    assert client.get(PAGE, {"kecamatan": "33.25.11"}).context["stats"].total > first.total


def test_the_figures_of_a_village_are_always_fresh(client, catalogue, operator, kauman):
    stats_data.create(stats_data.make_specs([kauman.code], count=5), [])
    client.force_login(operator)
    first = client.get(PAGE).context["stats"].total

    stats_data.create(stats_data.make_specs([kauman.code], count=5, seed=5), [])

    assert client.get(PAGE).context["stats"].total > first


def test_the_menu(client, operator, district_admin, catalogue):
    client.force_login(operator)
    content = client.get(PAGE).content.decode()
    assert reverse("backoffice:statistics") in content
    assert reverse("backoffice:audit-log") not in content

    client.force_login(district_admin)
    content = client.get(PAGE).content.decode()
    assert reverse("backoffice:audit-log") in content


# --- Exports ---------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _csv_section_rows(rows, title) -> list[list[str]]:
    start = rows.index([title]) + 2  # skip the title and the header
    section = []
    for row in rows[start:]:
        if not row:
            break
        section.append(row)
    return section


def _csv_section(rows, title) -> dict[str, str]:
    return {row[0]: row[-1] for row in _csv_section_rows(rows, title)}


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def _xlsx_column(sheet) -> dict:
    return {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_the_csv_export_carries_the_figures(client, dataset, specs, district_admin):
    client.force_login(district_admin)
    codes = ["33.25.11.1015", "33.25.11.2004"]
    expected = stats_data.only(specs, codes)
    median, p90 = stats_data.median_and_p90(expected)

    rows = _csv_rows(client.get(CSV, {"kecamatan": "33.25.11"}))

    assert _csv_section(rows, "Menurut status") == {
        code: str(count) for code, count in stats_data.by_status(expected).items()
    }
    assert _csv_section(rows, "Menurut jenis surat") == {
        code: str(count) for code, count in stats_data.by_type(expected).items()
    }
    months = {key: int(value) for key, value in _csv_section(rows, "Menurut bulan").items()}
    assert {key: value for key, value in months.items() if value} == {
        f"{month:%Y-%m}": count for month, count in stats_data.by_month(expected).items()
    }
    summary = dict(_csv_section_rows(rows, "Ringkasan"))
    assert median is not None
    assert p90 is not None
    assert summary["Permohonan"] == str(len(expected))
    assert float(summary["Median waktu dari pengajuan sampai terbit (jam)"]) == round(
        median.total_seconds() / 3600, 2
    )
    assert float(summary["Persentil ke-90 waktu dari pengajuan sampai terbit (jam)"]) == round(
        p90.total_seconds() / 3600, 2
    )
    areas = {row[0]: row[2] for row in _csv_section_rows(rows, "Menurut wilayah")}
    assert areas == {code: str(len(stats_data.only(specs, [code]))) for code in codes}


def test_the_xlsx_export_carries_the_same_figures(client, dataset, specs, district_admin):
    client.force_login(district_admin)
    codes = ["33.25.11.1015", "33.25.11.2004", SILURAH]
    expected = stats_data.only(specs, codes)

    workbook = _workbook(client.get(XLSX))

    assert workbook.sheetnames[:4] == [
        "Ringkasan",
        "Menurut status",
        "Menurut jenis surat",
        "Menurut bulan",
    ]
    assert _xlsx_column(workbook["Menurut status"]) == stats_data.by_status(expected)
    assert _xlsx_column(workbook["Menurut jenis surat"]) == stats_data.by_type(expected)
    summary = _xlsx_column(workbook["Ringkasan"])
    assert summary["Permohonan"] == len(expected)
    assert summary["Surat terbit, termasuk yang dicabut"] == sum(
        1 for spec in expected if spec.issued_at
    )
    waiting = list(workbook["Menunggu terlama"].iter_rows(min_row=2, values_only=True))
    assert len(waiting) == min(10, stats_data.by_status(expected)["proses"]) + min(
        10, stats_data.by_status(expected)["konsep"]
    )
