"""Who may use the residents' rights pages and who answers their correction requests."""

from layanan.accounts import rules as account_rules
from layanan.accounts.models import User
from layanan.core.rules import rule
from layanan.privacy.models import CorrectionRequest


@rule
def can_use_own_rights(user: User) -> bool:
    """An active resident: see, download and correct their data, or close their account."""
    return bool(account_rules.is_resident(user) and user.is_active)


@rule
def can_handle_corrections(user: User) -> bool:
    """The village operator answers the correction requests of their village."""
    return account_rules.is_operator(user)


@rule
def can_decide_correction(user: User, correction: CorrectionRequest) -> bool:
    return can_handle_corrections(user) and user.village_id == correction.village_id
