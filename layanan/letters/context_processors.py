"""The operator's badge of new requests, computed only on pages that show it."""

from django.utils.functional import SimpleLazyObject

from layanan.letters.models import RequestStatus
from layanan.letters.selectors import requests_for_staff


def staff_badges(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_village_staff:
        return {}
    return {
        "inbox_new": SimpleLazyObject(
            lambda: requests_for_staff(user).filter(status=RequestStatus.PROSES).count()
        ),
        "drafts_waiting": SimpleLazyObject(
            lambda: (
                requests_for_staff(user).filter(status=RequestStatus.KONSEP).count()
                if user.is_head
                else 0
            )
        ),
    }
