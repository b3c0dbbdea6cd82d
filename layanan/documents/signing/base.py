"""The signer port's contract, shared by every adapter."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.utils.translation import gettext as _

from layanan.core.errors import DomainError


class SigningError(DomainError):
    """Signing refused or failed; nothing was signed and the letter stays a draft."""


class WrongPassphrase(SigningError):
    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("The signing passphrase is wrong. The letter was not signed."),
            code="wrong_passphrase",
        )


class SignerNotReady(SigningError):
    """The signer has no usable certificate (none yet, expired, revoked, not registered)."""

    def __init__(self, message: str):
        super().__init__(message, code="signer_not_ready")


class SignerUnavailable(SigningError):
    """The signature service cannot be reached or failed; try again later."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "The electronic signature service (layanan TTE) is not available right now. "
                "The letter stays a draft; please try again later."
            ),
            code="signer_unavailable",
        )


@dataclass(frozen=True)
class SignatureRequest:
    """One PDF to sign, with the signature dictionary's reason and location.

    ``letter_number`` and ``verification_url`` say what the letter shows, so that a remote
    service's answer can be checked to be this letter (and BSrE can draw the QR code).
    """

    pdf: bytes
    reason: str
    location: str
    letter_number: str = ""
    verification_url: str = ""
    # Where the letter's signature block is: (page index, x1, y1, x2, y2) in PDF points from
    # the page's lower-left corner; the visible signature field goes there.
    signature_box: tuple[int, float, float, float, float] | None = None


@dataclass(frozen=True)
class SignedDocument:
    pdf: bytes
    certificate_fingerprint: str
    # Until when the letter's newest archive (document) timestamp holds: the end of its TSA
    # certificate. None for a letter that has none yet.
    timestamp_valid_until: datetime | None = None


class SigningSession(Protocol):
    """A signer unlocked with one passphrase entry, for one or many documents.

    A session may also say ``batch_size``: how many PDFs it signs in one call to its
    service (BSrE API v2). Above 1, a batch's letters are signed together, in one
    transaction per call; without it, letter by letter.
    """

    backend: str

    def sign(self, documents: list[SignatureRequest]) -> list[SignedDocument]: ...


class Signer(Protocol):
    name: str

    def open_session(self, *, user, passphrase: str) -> SigningSession:
        """Check the passphrase (and the certificate) once; raise a SigningError if not."""
        ...
