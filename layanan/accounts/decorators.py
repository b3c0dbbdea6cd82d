"""View guards built on the rules module."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.urls import reverse

from layanan.accounts import rules
from layanan.accounts.two_factor import two_factor_satisfied
from layanan.core.rules import Rule, is_registered


def resident_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not rules.is_resident(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(*, allowed: Rule | None = None):
    """Village staff or the district admin, past their second factor; ``allowed`` narrows
    it with a named rule of the app (``rules.py``), never an inline check."""
    if allowed is not None and not is_registered(allowed):
        raise ImproperlyConfigured(
            f"staff_required(allowed=...) takes a named rule (@rule in an app's rules.py), "
            f"not {allowed!r}"
        )

    def decorator(view):
        @login_required(login_url="accounts:staff-login")
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not rules.is_staff_account(user):
                raise PermissionDenied
            if not two_factor_satisfied(user):
                return redirect_to_login(
                    request.get_full_path(), reverse("accounts:two-factor"), "next"
                )
            if allowed is not None and not allowed(user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
