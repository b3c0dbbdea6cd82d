"""Documents' answers to what other apps announce (connected in DocumentsConfig.ready)."""

from typing import Any

from layanan.accounts.models import User
from layanan.documents.models import RevocationReason
from layanan.documents.services import signing_credential_revoke


def revoke_certificate_of_leaver(sender: type[User], *, staff: User, **kwargs: Any) -> None:
    """A head who leaves office signs nothing more: their certificate is revoked at once."""
    signing_credential_revoke(actor=None, holder=staff, reason=RevocationReason.AFFILIATION_CHANGED)
