"""Who may edit public information: written once, used by views, templates and services."""

from layanan.accounts.models import User
from layanan.accounts.rules import is_district_admin
from layanan.core.rules import rule


@rule
def can_manage_content(user: User) -> bool:
    """Pengumuman, the Website Desa directory and the news feed belong to the Admin
    Kabupaten (Dispermades)."""
    return is_district_admin(user)
