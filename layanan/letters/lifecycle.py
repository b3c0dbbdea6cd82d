"""The request lifecycle of DESIGN.md section 5: every legal move, in one table.

PROSES -> KONSEP -> TERBIT, with DITOLAK (from Proses or Konsep), DIBATALKAN (by the
applicant while in Proses) and DICABUT (after issue). A head sending a draft back keeps it
in Konsep with a note. Anything not in this table is refused.

``transition_check`` is the one guard of a status change (``services.transition_apply``
applies it, and signing asks it before it renders anything); ``allowed_actions`` drives
the buttons.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from layanan.accounts.models import User
from layanan.core.errors import DomainError
from layanan.letters import rules
from layanan.letters.models import LetterRequest, RequestAction, RequestStatus

S = RequestStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    allowed: Callable[[User, LetterRequest], bool]
    refusal: Promise
    verb: Promise  # for "a request in status X cannot be <verb>"
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            RequestAction.ACCEPTED,
            frozenset({S.PROSES}),
            S.KONSEP,
            rules.can_process_request,
            gettext_lazy("Only an operator of the request's village can accept it."),
            gettext_lazy("accepted"),
        ),
        Transition(
            RequestAction.REJECTED,
            frozenset({S.PROSES, S.KONSEP}),
            S.DITOLAK,
            rules.can_process_request,
            gettext_lazy("Only an operator of the request's village can reject it."),
            gettext_lazy("rejected"),
            note_required=True,
        ),
        Transition(
            RequestAction.CANCELLED,
            frozenset({S.PROSES}),
            S.DIBATALKAN,
            rules.is_request_owner,
            gettext_lazy("Only the applicant can cancel a request."),
            gettext_lazy("cancelled"),
        ),
        Transition(
            RequestAction.RETURNED,
            frozenset({S.KONSEP}),
            S.KONSEP,
            rules.can_sign_request,
            gettext_lazy("Only the head of the request's village can send a draft back."),
            gettext_lazy("sent back"),
            note_required=True,
        ),
        Transition(
            RequestAction.ISSUED,
            frozenset({S.KONSEP}),
            S.TERBIT,
            rules.can_sign_request,
            gettext_lazy("Only the head of the request's village can sign it."),
            gettext_lazy("signed"),
        ),
        Transition(
            RequestAction.REVOKED,
            frozenset({S.TERBIT}),
            S.DICABUT,
            rules.can_revoke_request,
            gettext_lazy(
                "Only staff of the request's village or the district admin can revoke a letter."
            ),
            gettext_lazy("revoked"),
            note_required=True,
        ),
    )
}


def transition_check(
    *, request: LetterRequest, action: str, actor: User, note: str = ""
) -> Transition:
    """The transition, if ``actor`` may take ``action`` on ``request`` now; otherwise a
    DomainError saying why (its status, the actor's right, a missing reason)."""
    transition = TRANSITIONS[action]
    if request.status not in transition.sources:
        raise DomainError(
            _("A request in status %(status)s cannot be %(action)s.")
            % {"status": request.get_status_display(), "action": transition.verb},
            code="illegal_transition",
        )
    if not transition.allowed(actor, request):
        raise DomainError(str(transition.refusal), code="forbidden")
    if transition.note_required and not (note or "").strip():
        raise DomainError(_("Write the reason."), code="note_required")
    return transition


def allowed_actions(user: User, request: LetterRequest) -> set[str]:
    """The actions this user may take on this request now (for buttons)."""
    return {
        action
        for action, t in TRANSITIONS.items()
        if request.status in t.sources and t.allowed(user, request)
    }
