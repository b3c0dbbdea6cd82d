"""Letter numbers under concurrent signing: distinct, consecutive, no gap after a failure."""

import threading

import pytest
from django.db import connection, connections

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile
from layanan.documents.services import letter_sign
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory

SIGNINGS = 20


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_signings_get_20_consecutive_numbers_and_a_failure_leaves_no_gap(
    resident, signing_head, head_passphrase, catalogue
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrent case matters on PostgreSQL")
    ResidentProfile.objects.filter(user=resident).update(status=ProfileStatus.VERIFIED)
    drafts = [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(SIGNINGS + 1)
    ]
    barrier = threading.Barrier(SIGNINGS + 1)
    errors = []

    def sign(request, passphrase):
        try:
            barrier.wait()
            letter_sign(request=request, head=signing_head, passphrase=passphrase)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(type(error).__name__)
        finally:
            connections.close_all()

    # One of them types a wrong passphrase, in the middle of the others.
    jobs = [(d, head_passphrase) for d in drafts[:SIGNINGS]]
    jobs.insert(SIGNINGS // 2, (drafts[SIGNINGS], "passphrase-yang-salah"))
    threads = [threading.Thread(target=sign, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == ["WrongPassphrase"]
    issued = LetterRequest.objects.filter(status=RequestStatus.TERBIT)
    sequences = list(issued.order_by("letter_sequence").values_list("letter_sequence", flat=True))
    assert sequences == list(range(1, SIGNINGS + 1))
    assert issued.values("letter_number").distinct().count() == SIGNINGS
    assert LetterRequest.objects.get(pk=drafts[SIGNINGS].pk).status == RequestStatus.KONSEP
