"""Reads of documents: a signer's signing credentials."""

from layanan.accounts.models import User
from layanan.documents.models import SigningCredential


def active_credential_of(user: User) -> SigningCredential | None:
    """The signing credential the user signs with now (the local CA), if any."""
    return (
        SigningCredential.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("issued__authority")
        .first()
    )


def latest_credential_of(user: User) -> SigningCredential | None:
    """The user's newest signing credential, current or revoked (what their certificate
    page and the staff page say about it)."""
    return (
        SigningCredential.objects.filter(user=user)
        .select_related("issued__authority")
        .order_by("-created_at", "-pk")
        .first()
    )
