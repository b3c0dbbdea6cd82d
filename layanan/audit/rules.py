"""Who may read the audit log: written once, used by the views and the staff menu."""


def can_view_audit_log(user) -> bool:
    """The district admin only. Nobody may edit or delete an entry, through any page."""
    return user.is_authenticated and user.is_active and user.is_district_admin
