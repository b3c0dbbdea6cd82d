"""Who may manage signing certificates: written once, used by views, templates and services."""

from layanan.accounts import rules as account_rules
from layanan.accounts.models import User
from layanan.core.rules import is_active_user, rule


@rule
def can_revoke_signing_credential(user: User, holder: User) -> bool:
    """A signing certificate is revoked by its holder (a lost or exposed passphrase) or by
    the district admin."""
    return (is_active_user(user) and user.pk == holder.pk) or account_rules.is_district_admin(user)
