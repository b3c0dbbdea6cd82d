"""Registration numbers stay unique when many residents submit at the same moment."""

import threading

import pytest
from django.db import connection, connections

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.tests.factories import ResidentProfileFactory
from layanan.letters.models import LetterRequest, LetterType
from layanan.letters.services import letter_request_submit

SUBMISSIONS = 50


@pytest.mark.django_db(transaction=True)
def test_50_concurrent_submissions_get_50_distinct_numbers(kauman, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrent case matters on PostgreSQL")
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    residents = [
        ResidentProfileFactory(village=kauman, status=ProfileStatus.VERIFIED).user
        for _ in range(SUBMISSIONS)
    ]
    barrier = threading.Barrier(SUBMISSIONS)
    errors = []

    def submit(resident):
        try:
            barrier.wait()
            letter_request_submit(
                resident=resident, letter_type=domisili, data={"keperluan": "Uji bersamaan"}
            )
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(r,)) for r in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(LetterRequest.objects.values_list("registration_number", flat=True))
    assert len(numbers) == len(set(numbers)) == SUBMISSIONS
    assert sorted(int(n[-5:]) for n in numbers) == list(range(1, SUBMISSIONS + 1))
