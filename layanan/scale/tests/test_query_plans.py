"""The counts behind the staff menus and the statistics read indexes only, never the table.

A request's row is large (its answers and the form it was made with), so at a million
requests any count that visits the table reads gigabytes: the kabupaten's statistics took
21 s that way on the bench data, 1.6 s index-only. Planners prefer a sequential scan on a
table as small as a test's, so these tests vacuum the table as autovacuum would, switch the
table scans off and check which scans remain: an index that lacks a column the query needs
cannot give an index-only scan whatever the planner prefers.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layanan.accounts.models import Role, User
from layanan.backoffice.statistics import request_statistics, scope_of_regency, scope_of_village
from layanan.letters.selectors import requests_for_staff, status_counts
from layanan.scale.services import data_generate

pytestmark = pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("index-only scans are a PostgreSQL plan")


@pytest.fixture
def generated(batang):
    data_generate(residents=200, requests=1000, seed=11)
    with connection.cursor() as cursor:  # as autovacuum leaves a table: visible, with statistics
        cursor.execute("VACUUM ANALYZE letters_letterrequest")
    return User.objects.filter(role=Role.OPERATOR).first()


def _request_scans(sql: str) -> list[str]:
    """The plan's scans of the requests table."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    return [line.strip() for line in plan if " on letters_letterrequest" in line]


def _aggregates_over_requests(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        query["sql"]
        for query in captured.captured_queries
        if "letters_letterrequest" in query["sql"]
        and ("COUNT(" in query["sql"] or "percentile_cont" in query["sql"])
    ]


def test_the_menu_badges_and_inbox_tabs_count_from_an_index(generated):
    queries = _aggregates_over_requests(lambda: status_counts(requests_for_staff(generated)))

    assert len(queries) == 1
    scans = _request_scans(queries[0])
    assert scans and all(scan.startswith("->  Index Only Scan") for scan in scans), scans


@pytest.mark.parametrize("level", ["kabupaten", "village"])
def test_the_statistics_count_from_indexes(generated, level):
    scope = scope_of_regency() if level == "kabupaten" else scope_of_village(generated.village)

    queries = _aggregates_over_requests(lambda: request_statistics(scope=scope))

    assert len(queries) >= 4  # status, type, month and time to issue (and area)
    for sql in queries:
        scans = _request_scans(sql)
        assert scans and all("Index Only Scan" in scan for scan in scans), (sql, scans)
