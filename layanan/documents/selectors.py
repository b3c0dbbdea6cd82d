"""Reads of documents: a signer's current credential."""

from layanan.accounts.models import User
from layanan.documents.models import SigningCredential


def active_credential_of(user: User) -> SigningCredential | None:
    """The signing credential the user signs with now (the local CA), if any."""
    return (
        SigningCredential.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("issued__authority")
        .first()
    )
