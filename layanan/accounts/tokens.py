"""Opaque, expiring links for email confirmation.

The token is sealed (AES-GCM under a key derived from SECRET_KEY), not merely signed: a
signed token is base64 of readable JSON, and a confirmation link travels through mail
servers, scanners and browser histories. Sealed, it shows nothing, neither the account's id
nor its address, and any change to it makes it invalid. Inside: the account's id, a digest
of its email (a link is useless once the address changes) and the time it was made (it
expires after settings.LDM_CONFIRMATION_MAX_AGE). Keys of SECRET_KEY_FALLBACKS still open
links made before a key rotation. Links of the earlier, readable format open no more: the
page says the link is invalid or expired and offers a new one.
"""

import base64
import binascii
import hashlib
import json
import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

from layanan.accounts.models import User

_SALT = "layanan.accounts.email-confirmation.sealed"
_NONCE_BYTES = 12


def _key(secret: str) -> bytes:
    return salted_hmac(_SALT, "key", secret=secret, algorithm="sha256").digest()


def confirmation_email_digest(email: str) -> str:
    """What a token keeps of the address: enough to tell that it changed, nothing to read."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def confirmation_token_make(user: User, *, now: float | None = None) -> str:
    made = int(time.time() if now is None else now)
    payload = json.dumps([user.pk, confirmation_email_digest(user.email), made]).encode()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, payload, _SALT.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def confirmation_token_read(token: str) -> tuple[int, str] | None:
    """(user id, email digest) of a valid token, or None when forged, old-format or expired."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= _NONCE_BYTES:
        return None
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        try:
            payload = AESGCM(_key(secret)).decrypt(nonce, sealed, _SALT.encode())
        except InvalidTag:
            continue
        user_id, email_digest, made = json.loads(payload)
        if time.time() - made > settings.LDM_CONFIRMATION_MAX_AGE:
            return None
        return int(user_id), str(email_digest)
    return None
