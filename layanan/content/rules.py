"""Who may edit public information: written once, used by views, templates and services."""


def can_manage_content(user) -> bool:
    """Pengumuman, the Website Desa directory and the news feed belong to the Admin
    Kabupaten (Dispermades)."""
    return bool(user.is_authenticated and user.is_active and user.is_district_admin)
