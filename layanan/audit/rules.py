"""Who may read the audit log: written once, used by the viewer and the staff menu."""

from typing import TYPE_CHECKING

from layanan.core.rules import is_active_user, rule, second_factor_passed

if TYPE_CHECKING:
    # django-stubs resolves this alias to AUTH_USER_MODEL (accounts.User), which the audit
    # app, a layer below accounts, may not import.
    from django.contrib.auth.models import _User


@rule
def can_view_audit_log(user: "_User") -> bool:
    """The district admin only. Nobody may edit or delete an entry, through any page."""
    return is_active_user(user) and user.is_district_admin and second_factor_passed(user)
