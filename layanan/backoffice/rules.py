"""Who may use the back office's own pages: the statistics, the village letterhead and the
villages' readiness (Kesiapan Desa)."""

from layanan.accounts import rules as account_rules
from layanan.accounts.models import User
from layanan.core.rules import rule
from layanan.regions.models import Village


@rule
def can_view_statistics(user: User) -> bool:
    """Village staff (their own village) and the district admin (any scope)."""
    return account_rules.is_village_staff(user) or account_rules.is_district_admin(user)


@rule
def can_keep_own_letterhead(user: User) -> bool:
    """An operator keeps their village's letterhead (address, contacts, logo)."""
    return account_rules.is_operator(user)


@rule
def can_edit_letterhead(user: User, village: Village) -> bool:
    """A village's letterhead: its operator, or the district admin for any village."""
    return (can_keep_own_letterhead(user) and user.village_id == village.pk) or can_manage_villages(
        user
    )


@rule
def can_manage_villages(user: User) -> bool:
    """The list of villages and every village's letterhead: the district admin."""
    return account_rules.is_district_admin(user)


@rule
def can_view_kabupaten_readiness(user: User) -> bool:
    """Every village's readiness and the kabupaten's waiting requests: the district admin."""
    return account_rules.is_district_admin(user)


@rule
def can_view_own_village_readiness(user: User) -> bool:
    """A village's own staff see its readiness as their to-do list."""
    return account_rules.is_village_staff(user)
