"""What the counter keeps between the two steps of a walk-in registration: the letter type and
the applicant's NIK, in the operator's session, for LDM_WALK_IN_SESSION_SECONDS at most.

Finishing, cancelling or starting another registration clears it; an abandoned one is dropped
by ``WalkInExpiryMiddleware`` at the operator's next request once its time is up, and with
the session itself when that ends (``manage.py privacy_purge`` deletes expired sessions).
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

WALK_IN_SESSION_KEY = "ldm_walk_in"


def walk_in_remember(session: SessionBase, *, letter_type_id: int, nik: str) -> None:
    session[WALK_IN_SESSION_KEY] = {"type": letter_type_id, "nik": nik, "at": int(time.time())}


def walk_in_forget(session: SessionBase) -> None:
    session.pop(WALK_IN_SESSION_KEY, None)


def walk_in_expired(started: dict[str, Any]) -> bool:
    # An entry without its time is from before lifetimes existed: expired too.
    return started.get("at", 0) + settings.LDM_WALK_IN_SESSION_SECONDS < time.time()


def walk_in_started(session: SessionBase) -> dict[str, Any] | None:
    """The registration under way, or None (none, or its time is up: then forgotten)."""
    started = session.get(WALK_IN_SESSION_KEY)
    if not started:
        return None
    if walk_in_expired(started):
        walk_in_forget(session)
        return None
    return started


class WalkInExpiryMiddleware:
    """Drop a walk-in registration whose time is up from the session, on any page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(WALK_IN_SESSION_KEY):
            walk_in_started(session)
        return self.get_response(request)
