"""The signing passphrase's limit holds when the attempts come at once (issue 16): twenty
wrong passphrases sent together are five judged (and audited), the rest refused unjudged;
a service that cannot judge the passphrase does not count towards the limit."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections

from layanan.audit.models import AuditAction, AuditEntry
from layanan.core.errors import DomainError
from layanan.core.throttle import throttle
from layanan.documents.services import letter_sign
from layanan.documents.signing import WrongPassphrase

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 20


def _all_at_once(call, count: int) -> list[str]:
    """``call`` in ``count`` threads released together; each outcome's class name."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait()
        try:
            call()
            outcome = "signed"
        except WrongPassphrase:
            outcome = "wrong"
        except DomainError as error:
            outcome = error.code or type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_wrong_passphrases_at_once_are_five_judged(draft, signing_head, head_passphrase):
    if connection.vendor != "postgresql":
        # The count lives in the database without a shared cache; SQLite's test database
        # refuses writers at once ("table is locked") instead of making them wait.
        pytest.skip("SQLite serialises writers; the concurrent case matters on PostgreSQL")
    limit = settings.LDM_THROTTLES["sign-passphrase-user"][0]

    outcomes = _all_at_once(
        lambda: letter_sign(request=draft, head=signing_head, passphrase="salah-semua-123"),
        ATTEMPTS,
    )

    assert outcomes.count("wrong") == limit
    assert outcomes.count("passphrase_locked") == ATTEMPTS - limit
    judged = AuditEntry.objects.filter(action=AuditAction.SIGNING_WRONG_PASSPHRASE)
    assert judged.count() == limit
    # And locked now, even for the right passphrase.
    with pytest.raises(DomainError, match="terkunci"):
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


def test_an_attempt_the_signer_could_not_judge_does_not_count(draft, signing_head, head_passphrase):
    limiter = throttle("sign-passphrase-user")
    key = f"user:{signing_head.pk}"
    limit = settings.LDM_THROTTLES["sign-passphrase-user"][0]
    for _ in range(limit + 3):
        assert limiter.reserve(key) is None
        limiter.release(key)  # as when BSrE did not answer

    signed = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    assert signed.letter_number
