"""Named permission rules: the one answer to each "who may ...?" question.

Each app writes its rules as plain predicates in its own ``rules.py`` and marks them with
``@rule``. Views guard with the function itself (``staff_required(allowed=can_sign)``),
services call it before they change anything, and templates ask for it by name with
``{% may "letters.can_sign_request" letter_request as can_sign %}`` (``core/templatetags/
ui.py``), so that a button is shown exactly when the action would be allowed.

A rule takes the user, and the object it is about when there is one: ``rule(user)`` or
``rule(user, obj)``. It answers ``False`` for anonymous and inactive users itself.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Rule = Callable[..., bool]
R = TypeVar("R", bound=Rule)

_rules: dict[str, Rule] = {}


def rule_name(predicate: Rule) -> str:
    """``letters.can_sign_request`` for ``layanan.letters.rules.can_sign_request``."""
    parts = getattr(predicate, "__module__", "").split(".")
    app = parts[1] if len(parts) > 2 and parts[0] == "layanan" else parts[0]
    name = getattr(predicate, "__name__", "")
    return f"{app}.{name}"


def rule(predicate: R) -> R:
    """Register a predicate under its app's name, so that templates can ask for it."""
    name = rule_name(predicate)
    known = _rules.get(name)
    if known is not None and known.__qualname__ != predicate.__qualname__:
        raise ImproperlyConfigured(f"Two permission rules are named {name}")
    _rules[name] = predicate
    return predicate


def is_registered(predicate: object) -> bool:
    """Whether ``predicate`` is a rule marked with ``@rule`` (not a lambda or inline check)."""
    return callable(predicate) and _rules.get(rule_name(predicate)) is predicate


def rule_by_name(name: str) -> Rule:
    try:
        return _rules[name]
    except KeyError:
        raise ImproperlyConfigured(f"No permission rule is named {name!r}") from None


def allowed(name: str, user: Any, obj: Any = None) -> bool:
    """Whether the named rule lets ``user`` act (on ``obj``, for rules about an object)."""
    predicate = rule_by_name(name)
    return bool(predicate(user) if obj is None else predicate(user, obj))


def is_active_user(user: Any) -> bool:
    """Logged in with an account that has not been deactivated: every rule starts here."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def second_factor_passed(user: Any) -> bool:
    """Whether a staff decision may be taken for this user: with settings.LDM_STAFF_2FA on,
    only once the session passed its second factor. django-otp's ``OTPMiddleware`` gives
    every request's user ``is_verified()``; a user that came through no request (the actor of
    a task or a management command) has no session and is vouched for by whoever started it.
    Every staff role predicate ends here, so that no staff object (a draft, an unpublished
    announcement, an export) opens to a session that stopped after the password."""
    if not settings.LDM_STAFF_2FA:
        return True
    is_verified = getattr(user, "is_verified", None)
    return is_verified is None or bool(is_verified())
