"""Logging in with limits: lockout per account and per address (guide section 5)."""

import logging

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from layanan.accounts.models import User
from layanan.core.errors import DomainError
from layanan.core.throttle import client_address, throttle

logger = logging.getLogger(__name__)


def _locked_message(until) -> str:
    local = timezone.localtime(until)
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    return _(
        "Too many failed attempts. Try again after %(time)s WIB (in about %(minutes)s minutes)."
    ) % {"time": formats.time_format(local, "H.i"), "minutes": minutes}


def login_check_not_locked(*, request: HttpRequest, identifier: str) -> None:
    """Refuse before checking anything else while the account or the address is locked."""
    for scope, value in (
        ("login-account", identifier),
        ("login-address", client_address(request)),
    ):
        until = throttle(scope).locked_until(value)
        if until:
            raise DomainError(_locked_message(until), code="locked")


def login_failure_count(*, request: HttpRequest, identifier: str | None) -> None:
    """Count a failed attempt (wrong password or wrong security code)."""
    until = throttle("login-address").hit(client_address(request))
    if identifier:
        until = throttle("login-account").hit(identifier) or until
    logger.info("login failed%s", " (now locked)" if until else "")
    if until:
        raise DomainError(_locked_message(until), code="locked")


def login_authenticate(
    *, request: HttpRequest, identifier: str, password: str, staff: bool
) -> User:
    """The user for these credentials, or a DomainError that says what to do.

    Residents log in on the resident page with their NIK, staff on the staff page with their
    username; either page refuses the other kind with the same "wrong" answer.
    """
    user = authenticate(request, username=identifier, password=password)
    if user is not None and user.is_resident == staff:
        user = None
    if user is None:
        login_failure_count(request=request, identifier=identifier)
        message = (
            _("The username or password is wrong.") if staff else _("The NIK or password is wrong.")
        )
        raise DomainError(message, code="invalid_login")
    throttle("login-account").reset(identifier)
    if not user.email_confirmed:
        raise DomainError(
            _(
                "Your account is not confirmed yet. Open the link in the email we sent you, "
                "or ask for a new link."
            ),
            code="unconfirmed",
        )
    return user
