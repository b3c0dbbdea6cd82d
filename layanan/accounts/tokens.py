"""Signed, expiring links for email confirmation."""

from django.conf import settings
from django.core import signing

from layanan.accounts.models import User

_SALT = "layanan.accounts.email-confirmation"


def confirmation_token_make(user: User) -> str:
    # Binding the email makes a link useless once the address changes.
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=_SALT, compress=True)


def confirmation_token_read(token: str) -> tuple[int, str] | None:
    """(user id, email) of a valid token, or None when forged or expired."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.LDM_CONFIRMATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return data["u"], data["e"]
