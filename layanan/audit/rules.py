"""Who may read the audit log: written once, used by the viewer and the staff menu."""

from layanan.core.rules import is_active_user, rule


@rule
def can_view_audit_log(user) -> bool:
    """The district admin only. Nobody may edit or delete an entry, through any page."""
    return is_active_user(user) and user.is_district_admin
