"""Logging in with limits (guide section 5), so that guessing stays bounded while a stranger
who knows a NIK (printed on every KK and letter) cannot keep its owner out.

Three counts of failed attempts (settings.LDM_THROTTLES):

- ``login-account``: one account from one address. Five failures lock that pair: the
  stranger's address, not the owner's logins from elsewhere.
- ``login-address``: one address over all accounts (someone trying many NIKs).
- ``login-account-total``: one account from every address, over a longer window: the bound
  on guessing from many addresses. When it is reached the account is locked for browsers it
  has never logged in from; a browser the owner logged in with before (a signed cookie that
  names the account, ``DEVICE_COOKIE``) still gets in, and its failures do not count here.
  A password reset by email (only the owner receives it) clears the lock.

A Kode Keamanan is asked on every attempt, so every guess also costs a solved code.

After a failure the page says how many attempts are left before the nearest of these locks,
counted exactly as the throttles count them: by the NIK or username typed, whether or not an
account has it, so the warning tells nothing about which accounts exist.
"""

import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from layanan.accounts.models import User
from layanan.core.errors import DomainError
from layanan.core.throttle import client_address, throttle

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "ldm_perangkat"
DEVICE_MAX_AGE = 365 * 24 * 60 * 60
# A browser shared by a family remembers this many accounts.
DEVICE_ACCOUNTS_MAX = 5
_DEVICE_SALT = "layanan.accounts.device"


def _locked_message(until) -> str:
    local = timezone.localtime(until)
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    return _(
        "Too many failed attempts. Try again after %(time)s WIB (in about %(minutes)s minutes)."
    ) % {"time": formats.time_format(local, "H.i"), "minutes": minutes}


def _account_locked_message(until) -> str:
    return gettext(
        "This account had too many failed attempts from different places. Log in from a "
        "device you have logged in with before, reset your password by email, or try again "
        "after %(time)s WIB.",
    ) % {"time": formats.time_format(timezone.localtime(until), "H.i")}


def _pair(request: HttpRequest, identifier: str) -> str:
    return f"{identifier}@{client_address(request)}"


def _device_mark(identifier: str) -> str:
    """What the device cookie holds for an account: a keyed hash, never the NIK itself."""
    return salted_hmac(_DEVICE_SALT, identifier, algorithm="sha256").hexdigest()[:20]


def _device_marks(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        marks = signing.loads(value, salt=_DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [mark for mark in marks if isinstance(mark, str)] if isinstance(marks, list) else []


def login_device_known(*, request: HttpRequest, identifier: str) -> bool:
    """Whether this browser has logged in to this account before."""
    return _device_mark(identifier) in _device_marks(request)


def login_device_remember(*, request: HttpRequest, response: HttpResponse, identifier: str) -> None:
    """After a successful login: this browser is one the account's owner uses."""
    mark = _device_mark(identifier)
    marks = [mark] + [other for other in _device_marks(request) if other != mark]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(marks[:DEVICE_ACCOUNTS_MAX], salt=_DEVICE_SALT),
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def login_check_not_locked(*, request: HttpRequest, identifier: str) -> None:
    """Refuse before checking anything else while the account from this address, the
    address, or (for a browser the account never used) the account itself is locked."""
    for scope, value in (
        ("login-account", _pair(request, identifier)),
        ("login-address", client_address(request)),
    ):
        until = throttle(scope).locked_until(value)
        if until:
            raise DomainError(_locked_message(until), code="locked")
    if identifier and not login_device_known(request=request, identifier=identifier):
        until = throttle("login-account-total").locked_until(identifier)
        if until:
            raise DomainError(_account_locked_message(until), code="locked")


# The address's own limit is for someone trying many NIKs: a person who mistypes is warned
# of it only when this few attempts are left (the account's limits are always told).
ADDRESS_WARNING_FROM = 5


def _counted_scopes(request: HttpRequest, identifier: str | None) -> list[tuple[str, str]]:
    """The throttles (scope, counted value) a failed attempt with ``identifier`` hits."""
    scopes = [("login-address", client_address(request))]
    if identifier:
        scopes.append(("login-account", _pair(request, identifier)))
        if not login_device_known(request=request, identifier=identifier):
            scopes.append(("login-account-total", identifier))
    return scopes


def login_attempts_warning(*, request: HttpRequest, identifier: str | None) -> str:
    """After a failed attempt: how many are left before the nearest lock, and how long it
    lasts; empty when no lock is near."""
    nearest = min(
        (throttle(scope).remaining(value), scope)
        for scope, value in _counted_scopes(request, identifier)
    )
    left, scope = nearest
    if scope == "login-address" and left > ADDRESS_WARNING_FROM:
        return ""
    minutes = max(1, throttle(scope).lockout // 60)
    if scope == "login-address":
        return ngettext(
            "%(count)s attempt left before logging in from your network is locked for "
            "%(minutes)s minutes.",
            "%(count)s attempts left before logging in from your network is locked for "
            "%(minutes)s minutes.",
            left,
        ) % {"count": left, "minutes": minutes}
    return ngettext(
        "%(count)s attempt left before this account is locked for %(minutes)s minutes.",
        "%(count)s attempts left before this account is locked for %(minutes)s minutes.",
        left,
    ) % {"count": left, "minutes": minutes}


def login_failure_count(*, request: HttpRequest, identifier: str | None) -> str:
    """Count a failed attempt (wrong password or wrong security code); the warning of the
    attempts left (``login_attempts_warning``), or a DomainError when this one locked."""
    until = throttle("login-address").hit(client_address(request))
    account_until = None
    if identifier:
        until = throttle("login-account").hit(_pair(request, identifier)) or until
        if not login_device_known(request=request, identifier=identifier):
            account_until = throttle("login-account-total").hit(identifier)
    logger.info("login failed%s", " (now locked)" if until or account_until else "")
    if until:
        raise DomainError(_locked_message(until), code="locked")
    if account_until:
        raise DomainError(_account_locked_message(account_until), code="locked")
    return login_attempts_warning(request=request, identifier=identifier)


def login_counters_reset(*, request: HttpRequest, identifier: str) -> None:
    """The owner proved who they are (the right password, or a reset link from their
    inbox): their failures end, wherever they came from."""
    throttle("login-account").reset(_pair(request, identifier))
    throttle("login-account-total").reset(identifier)


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
        warning = login_failure_count(request=request, identifier=identifier)
        message = (
            gettext("The username or password is wrong.")
            if staff
            else gettext("The NIK or password is wrong.")
        )
        raise DomainError(f"{message} {warning}".strip(), code="invalid_login")
    login_counters_reset(request=request, identifier=identifier)
    if not user.email_confirmed:
        raise DomainError(
            _(
                "Your account is not confirmed yet. Open the link in the email we sent you, "
                "or ask for a new link."
            ),
            code="unconfirmed",
        )
    return user
