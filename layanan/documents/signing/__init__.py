"""The signer port: how a head's signature gets onto a letter.

``get_signer()`` returns the adapter chosen by settings.LDM_SIGNER: the local signer
(pyHanko with keys from the kabupaten's local CA, the embedded default) or BSrE
(``signing/bsre.py``, the national e-signature service).
"""

from functools import cache

from django.conf import settings

from layanan.documents.signing.base import (
    SignedDocument,
    Signer,
    SignerNotReady,
    SignerUnavailable,
    SigningError,
    SigningSession,
    WrongPassphrase,
)
from layanan.documents.signing.bsre import BSrESigner
from layanan.documents.signing.local import LocalSigner

__all__ = [
    "SignedDocument",
    "Signer",
    "SignerNotReady",
    "SignerUnavailable",
    "SigningError",
    "SigningSession",
    "WrongPassphrase",
    "get_signer",
]


@cache
def _signer(name: str) -> Signer:
    if name == "local":
        return LocalSigner()
    if name == "bsre":
        return BSrESigner()
    raise ValueError(f"Unknown LDM_SIGNER {name!r}")


def get_signer() -> Signer:
    return _signer(settings.LDM_SIGNER)
