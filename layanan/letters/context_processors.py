"""The back-office menu's badges (new requests, drafts to sign), computed only on pages that
show them, from one count per status that the inbox reuses."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from layanan.letters import rules
from layanan.letters.models import RequestStatus
from layanan.letters.selectors import village_status_counts


def staff_badges(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not rules.can_work_on_requests(user):
        return {}
    return {
        "inbox_new": SimpleLazyObject(lambda: village_status_counts(request)[RequestStatus.PROSES]),
        "drafts_waiting": SimpleLazyObject(
            lambda: (
                village_status_counts(request)[RequestStatus.KONSEP] if rules.can_sign(user) else 0
            )
        ),
    }
