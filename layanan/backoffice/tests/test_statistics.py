"""The statistics selectors against figures computed independently over generated data."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layanan.backoffice import statistics
from layanan.backoffice.statistics import (
    DESA,
    KABUPATEN,
    KECAMATAN,
    request_statistics,
    requests_in_scope,
    scope_of_district,
    scope_of_regency,
    scope_of_village,
    statistics_scope_for,
    time_to_issue,
    time_to_issue_in_database,
    time_to_issue_in_python,
)
from layanan.backoffice.tests import stats_data
from layanan.backoffice.tests.stats_data import BLUMAH, NOW, SILURAH
from layanan.letters.models import RequestStatus
from layanan.regions.models import Regency
from layanan.regions.tests.factories import village_from_data

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's"
)


@pytest.fixture
def villages(kauman, other_village):
    return [kauman.code, other_village.code, SILURAH, BLUMAH]


@pytest.fixture
def specs(villages):
    return stats_data.make_specs(villages)


@pytest.fixture
def profile_specs(villages):
    return stats_data.make_profile_specs(villages)


@pytest.fixture
def dataset(catalogue, specs, profile_specs):
    return stats_data.create(specs, profile_specs)


def _scopes(kauman, other_village):
    regency = Regency.objects.get(code="33.25")
    return {
        "kabupaten": (scope_of_regency(regency), [kauman.code, other_village.code, SILURAH]),
        "kecamatan": (scope_of_district(kauman.district), [kauman.code, other_village.code]),
        "kauman": (scope_of_village(kauman), [kauman.code]),
        "kalisalak": (scope_of_village(other_village), [other_village.code]),
    }


@pytest.mark.parametrize("name", ["kabupaten", "kecamatan", "kauman", "kalisalak"])
def test_figures_match_an_independent_count(
    dataset, specs, profile_specs, kauman, other_village, name
):
    scope, codes = _scopes(kauman, other_village)[name]
    expected = stats_data.only(specs, codes)

    stats = request_statistics(scope=scope, now=NOW)

    assert stats.total == len(expected)
    assert {row.key: row.count for row in stats.by_status} == stats_data.by_status(expected)
    assert {row.key: row.count for row in stats.by_type} == stats_data.by_type(expected)
    months = {row.month: row.count for row in stats.by_month if row.count}
    assert months == stats_data.by_month(expected)
    assert stats.issued == sum(1 for spec in expected if spec.issued_at is not None)
    assert (stats.median_to_issue, stats.p90_to_issue) == stats_data.median_and_p90(expected)
    assert [row.submitted_at for row in stats.waiting_proses] == stats_data.oldest(
        expected, RequestStatus.PROSES
    )
    assert [row.submitted_at for row in stats.waiting_konsep] == stats_data.oldest(
        expected, RequestStatus.KONSEP
    )
    assert [row.age for row in stats.waiting_proses] == [
        NOW - submitted for submitted in stats_data.oldest(expected, RequestStatus.PROSES)
    ]
    assert (stats.profiles_waiting, stats.profiles_oldest) == stats_data.profiles_waiting(
        profile_specs, codes
    )


def test_months_are_those_of_jakarta_and_gaps_are_filled(dataset, kauman):
    stats = request_statistics(scope=scope_of_village(kauman), now=NOW)
    months = [row.month for row in stats.by_month]

    # Consecutive months, from the first to the last with a request.
    assert months == sorted(months)
    for previous, following in itertools.pairwise(months):
        assert (following - previous).days in (29, 30, 31)
    requests = requests_in_scope(scope_of_village(kauman))
    # The two edge requests: 31 Jan 23:30 WIB counts for January, 1 Mar 00:30 WIB for March.
    edge = requests.filter(
        letter_type__code="SK-USAHA",
        submitted_at__in=[
            dt.datetime(2024, 1, 31, 16, 30, tzinfo=dt.UTC),
            dt.datetime(2024, 2, 29, 17, 30, tzinfo=dt.UTC),
        ],
    )
    edge_months = statistics.counts_by_month(edge)
    assert [(row.month, row.count) for row in edge_months if row.count] == [
        (dt.date(2024, 1, 1), 1),
        (dt.date(2024, 3, 1), 1),
    ]
    assert [row.count for row in edge_months] == [1, 0, 1]


def test_a_period_limits_the_requests_counted(dataset, specs, kauman, other_village):
    scope, codes = _scopes(kauman, other_village)["kecamatan"]
    start, end = dt.date(2024, 3, 1), dt.date(2024, 5, 31)
    expected = stats_data.in_period(stats_data.only(specs, codes), start, end)

    stats = request_statistics(scope=scope, start=start, end=end, now=NOW)

    assert stats.total == len(expected) > 0
    assert {row.key: row.count for row in stats.by_status} == stats_data.by_status(expected)
    assert {row.month for row in stats.by_month} == {
        dt.date(2024, 3, 1),
        dt.date(2024, 4, 1),
        dt.date(2024, 5, 1),
    }
    assert (stats.median_to_issue, stats.p90_to_issue) == stats_data.median_and_p90(expected)


def test_area_breakdown(dataset, specs, kauman, other_village):
    regency_scope, _codes = _scopes(kauman, other_village)["kabupaten"]

    kabupaten = request_statistics(scope=regency_scope, now=NOW)
    kecamatan = request_statistics(scope=scope_of_district(kauman.district), now=NOW)

    assert kabupaten.area_level == KECAMATAN
    by_district = {row.code: row.total for row in kabupaten.by_area}
    assert by_district == {
        "33.25.11": len(stats_data.only(specs, [kauman.code, other_village.code])),
        "33.25.01": len(stats_data.only(specs, [SILURAH])),
    }
    assert kecamatan.area_level == DESA
    kauman_row = next(row for row in kecamatan.by_area if row.code == kauman.code)
    expected = stats_data.by_status(stats_data.only(specs, [kauman.code]))
    assert (kauman_row.proses, kauman_row.konsep, kauman_row.terbit) == (
        expected["proses"],
        expected["konsep"],
        expected["terbit"],
    )
    assert request_statistics(scope=scope_of_village(kauman), now=NOW).by_area == []


def test_the_number_of_queries_does_not_grow_with_the_data(
    catalogue, villages, kauman, other_village, django_assert_max_num_queries
):
    scope, _codes = _scopes_after_creating(villages, kauman, other_village, count=12)["kabupaten"]
    with CaptureQueriesContext(connection) as small:
        request_statistics(scope=scope, now=NOW)

    stats_data.create(stats_data.make_specs(villages, count=120, seed=3), [])
    with django_assert_max_num_queries(len(small.captured_queries)):
        stats = request_statistics(scope=scope, now=NOW)

    assert len(small.captured_queries) <= 10
    assert stats.total > 90


def _scopes_after_creating(villages, kauman, other_village, *, count):
    stats_data.create(
        stats_data.make_specs(villages, count=count), stats_data.make_profile_specs(villages)
    )
    return _scopes(kauman, other_village)


# --- Median and 90th percentile on both databases --------------------------------------------


def test_time_to_issue_in_python_matches_the_independent_computation(
    dataset, specs, kauman, other_village
):
    scope, codes = _scopes(kauman, other_village)["kabupaten"]
    expected = stats_data.median_and_p90(stats_data.only(specs, codes))

    assert tuple(time_to_issue_in_python(requests_in_scope(scope))) == expected
    assert tuple(time_to_issue(requests_in_scope(scope))) == expected


@on_postgresql
@pytest.mark.parametrize("name", ["kabupaten", "kecamatan", "kauman", "kalisalak"])
def test_postgresql_percentile_cont_equals_the_python_fallback(
    dataset, specs, kauman, other_village, name
):
    scope, codes = _scopes(kauman, other_village)[name]
    requests = requests_in_scope(scope)

    in_database = time_to_issue_in_database(requests)
    in_python = time_to_issue_in_python(requests)

    assert in_database == in_python
    assert tuple(in_database) == stats_data.median_and_p90(stats_data.only(specs, codes))


@pytest.mark.parametrize("minutes", [[], [90], [30, 90], [10, 20, 30, 40, 50, 60, 70, 80, 90, 600]])
def test_small_samples(catalogue, kauman, minutes):
    start = dt.datetime(2024, 2, 1, 8, 0, tzinfo=stats_data.JAKARTA)
    specs = [
        stats_data.Spec(
            kauman.code, "SK-DOMISILI", "terbit", start, start + dt.timedelta(minutes=m)
        )
        for m in minutes
    ]
    stats_data.create(specs, [])
    requests = requests_in_scope(scope_of_village(kauman))

    expected = list(stats_data.median_and_p90(specs))

    assert time_to_issue_in_python(requests) == expected
    if connection.vendor == "postgresql":
        assert time_to_issue_in_database(requests) == expected


# --- Who sees which scope --------------------------------------------------------------------


def test_village_staff_always_get_their_own_village(operator, head, other_village):
    for user in (operator, head):
        scope = statistics_scope_for(user, district=other_village.district, village=other_village)
        assert (scope.level, scope.code) == (DESA, user.village_id)


def test_the_district_admin_chooses(district_admin, kauman, other_village):
    assert statistics_scope_for(district_admin).level == KABUPATEN
    assert statistics_scope_for(district_admin, district=kauman.district).code == "33.25.11"
    assert statistics_scope_for(district_admin, village=other_village).code == other_village.code


def test_the_district_admin_stays_in_their_kabupaten(district_admin, kauman):
    elsewhere = village_from_data(BLUMAH)

    scope = statistics_scope_for(district_admin, village=elsewhere)

    assert scope.level == KABUPATEN


def test_residents_get_no_scope(resident):
    with pytest.raises(PermissionDenied):
        statistics_scope_for(resident)
