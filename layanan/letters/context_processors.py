"""The back-office menu's badges (new requests, drafts to sign), computed only on pages that
show them, from one count per status that the inbox reuses."""

from django.utils.functional import SimpleLazyObject

from layanan.letters.models import RequestStatus
from layanan.letters.selectors import village_status_counts


def staff_badges(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_village_staff:
        return {}
    return {
        "inbox_new": SimpleLazyObject(lambda: village_status_counts(request)[RequestStatus.PROSES]),
        "drafts_waiting": SimpleLazyObject(
            lambda: village_status_counts(request)[RequestStatus.KONSEP] if user.is_head else 0
        ),
    }
