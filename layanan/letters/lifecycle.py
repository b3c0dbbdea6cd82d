"""The request lifecycle of DESIGN.md section 5: every legal move, in one table.

PROSES -> KONSEP -> TERBIT, with DITOLAK (from Proses or Konsep), DIBATALKAN (by the
applicant while in Proses) and DICABUT (after issue). A head sending a draft back keeps it
in Konsep with a note. Anything not in this table is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from layanan.letters import rules
from layanan.letters.models import LetterRequest, RequestAction, RequestStatus

S = RequestStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    allowed: Callable[[object, LetterRequest], bool]
    refusal: str
    verb: str  # for "a request in status X cannot be <verb>"
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            RequestAction.ACCEPTED,
            frozenset({S.PROSES}),
            S.KONSEP,
            rules.can_process_request,
            _("Only an operator of the request's village can accept it."),
            _("accepted"),
        ),
        Transition(
            RequestAction.REJECTED,
            frozenset({S.PROSES, S.KONSEP}),
            S.DITOLAK,
            rules.can_process_request,
            _("Only an operator of the request's village can reject it."),
            _("rejected"),
            note_required=True,
        ),
        Transition(
            RequestAction.CANCELLED,
            frozenset({S.PROSES}),
            S.DIBATALKAN,
            rules.is_request_owner,
            _("Only the applicant can cancel a request."),
            _("cancelled"),
        ),
        Transition(
            RequestAction.RETURNED,
            frozenset({S.KONSEP}),
            S.KONSEP,
            rules.can_sign_request,
            _("Only the head of the request's village can send a draft back."),
            _("sent back"),
            note_required=True,
        ),
        Transition(
            RequestAction.ISSUED,
            frozenset({S.KONSEP}),
            S.TERBIT,
            rules.can_sign_request,
            _("Only the head of the request's village can sign it."),
            _("signed"),
        ),
        Transition(
            RequestAction.REVOKED,
            frozenset({S.TERBIT}),
            S.DICABUT,
            rules.can_revoke_request,
            _("Only staff of the request's village or the district admin can revoke a letter."),
            _("revoked"),
            note_required=True,
        ),
    )
}


def allowed_actions(user, request: LetterRequest) -> set[str]:
    """The actions this user may take on this request now (for buttons)."""
    return {
        action
        for action, t in TRANSITIONS.items()
        if request.status in t.sources and t.allowed(user, request)
    }
