"""Shared writes."""

from collections.abc import Callable

from django.db import transaction

from layanan.core.models import Counter


def counter_next(*, name: str, floor: Callable[[], int] | None = None) -> int:
    """The next number of a series, locked until the caller's transaction ends.

    Must run inside the transaction that stores the number: if it rolls back, so does the
    increment, and the next caller gets the same number (no gaps, no duplicates). ``floor``
    gives the highest number already used (read under the lock): a counter behind it (a
    database restored from an inconsistent copy, a row edited by hand) moves past it
    instead of handing out a number that is taken.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next must run inside the transaction that uses the number")
    # Create the row if missing without failing when another transaction creates it too.
    Counter.objects.bulk_create([Counter(name=name, value=0)], ignore_conflicts=True)
    counter = Counter.objects.select_for_update().get(name=name)
    if floor is not None:
        counter.value = max(counter.value, floor())
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
