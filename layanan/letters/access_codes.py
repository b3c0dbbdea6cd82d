"""The access code of an issued letter: what opens its original PDF to someone who is not
its owner.

The QR code and the verification URL name the letter (anyone who sees the paper can open
its page); the access code, printed beside the QR code but contained in neither, is what
a person who was *given* the letter types to download the original, which holds every NIK
and figure of it. Eight characters of an alphabet without look-alikes (no 0/O, 1/I), shown
in two groups ("K7QM-2XPA"): 40 bits, which the per-address limit of the download keeps
out of reach of guessing.

Only an HMAC is kept (keyed with the secret key, salted with the letter's token), so the
database alone does not give the codes. An HMAC and not a password hasher: checking is
rate limited anyway, and signing a batch must stay fast. Earlier secret keys
(``SECRET_KEY_FALLBACKS``) still open the codes made under them.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8
GROUP = 4
_SALT = "layanan.letters.access_code"


def access_code_new() -> str:
    """A fresh random code, grouped as printed: "K7QM-2XPA"."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{code[:GROUP]}-{code[GROUP:]}"


def access_code_normalise(typed: str) -> str:
    """What a person typed, as the code's characters only: case, spaces and hyphens aside."""
    return "".join(ch for ch in (typed or "").upper() if ch.isascii() and ch.isalnum())


def _digest(code: str, token: str, secret: str) -> str:
    key = hashlib.sha256(f"{_SALT}{secret}".encode()).digest()
    message = f"{token}:{access_code_normalise(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def access_code_hash(code: str, *, token: str) -> str:
    """The stored form of a letter's code (empty for no code)."""
    if not code:
        return ""
    return _digest(code, token, settings.SECRET_KEY)


def access_code_matches(stored_hash: str, typed: str, *, token: str) -> bool:
    """Whether ``typed`` is the letter's code; compared in constant time. A letter without
    a code (issued before codes existed) matches nothing."""
    if not stored_hash or len(access_code_normalise(typed)) != LENGTH:
        return False
    secrets_tried = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    matched = False
    for secret in secrets_tried:  # every key is tried, so the time does not tell which
        matched |= hmac.compare_digest(stored_hash, _digest(typed, token, secret))
    return matched
