"""Kode Keamanan: an image of digits the person types back (guide section 5).

A challenge is a random nonce in a signed, HttpOnly cookie; its code is derived from the
nonce with a keyed hash, so the browser holds no code and the server stores nothing until an
answer arrives. Opening a login page therefore writes no session: a crowd or a bot at the
login form costs no database rows. A challenge is valid for ten minutes and for one answer
only: checking an answer, right or wrong, burns its nonce once for all processes (in Redis,
or in the database when the cache is the process's own: ``layanan.core.cache.claim_once``).
The image is drawn with noise so that a plain OCR pass fails more often than a person.

Automated tests set LDM_CAPTCHA_FIXED_CODE: the field is still required and checked.
"""

import functools
import hmac
import io
import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from layanan.core.cache import claim_once

COOKIE_NAME = "ldm_kode"
LENGTH = 4
MAX_AGE = 10 * 60
_SALT = "layanan.accounts.captcha"
# What this module notes on the request it handles: the nonce issued, and that one was used.
_ISSUED = "_captcha_issued"
_USED = "_captcha_used"


def _code_of(nonce: str) -> str:
    if settings.LDM_CAPTCHA_FIXED_CODE:
        return settings.LDM_CAPTCHA_FIXED_CODE
    digest = salted_hmac(_SALT, nonce, algorithm="sha256").digest()
    return str(int.from_bytes(digest[:8], "big") % 10**LENGTH).zfill(LENGTH)


def _nonce_of(request: HttpRequest) -> str | None:
    """The nonce of the challenge issued to this browser, if it is genuine and fresh."""
    issued: str | None = getattr(request, _ISSUED, None)
    if issued:
        return issued
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return None
    try:
        return signing.loads(value, salt=_SALT, max_age=MAX_AGE)["n"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


def captcha_issue(request: HttpRequest) -> str:
    """Start a new challenge (sent as a cookie by `captcha_cookie`) and return its code."""
    nonce = secrets.token_urlsafe(18)
    setattr(request, _ISSUED, nonce)
    return _code_of(nonce)


def captcha_version(request: HttpRequest) -> str:
    """A mark of the current challenge for the address of its image: each challenge has its
    own address, so a browser never shows a cached picture of an earlier code. A keyed hash:
    the page does not show the nonce itself."""
    nonce = _nonce_of(request)
    if nonce is None:
        return ""
    return salted_hmac(f"{_SALT}.version", nonce, algorithm="sha256").hexdigest()[:16]


def captcha_check(request: HttpRequest, answer: str) -> bool:
    """True if the answer is the code of the current challenge. Any answer uses it up."""
    nonce = _nonce_of(request)
    if nonce is None or not claim_once(f"captcha-used:{nonce}", MAX_AGE):
        return False
    setattr(request, _USED, True)
    # As bytes: compare_digest refuses str with non-ASCII characters (a 500, not a "wrong").
    return hmac.compare_digest(_code_of(nonce).encode(), (answer or "").strip().encode())


def captcha_cookie(view):
    """Send the challenge a view issued as a cookie; drop a used one that was not replaced."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        nonce = getattr(request, _ISSUED, None)
        if nonce:
            response.set_cookie(
                COOKIE_NAME,
                signing.dumps({"n": nonce}, salt=_SALT),
                max_age=MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif getattr(request, _USED, False):
            response.delete_cookie(COOKIE_NAME, samesite="Lax")
        return response

    return wrapper


def captcha_png(request: HttpRequest) -> bytes:
    """The current challenge's code drawn as a PNG (a new challenge if there is none)."""
    nonce = _nonce_of(request)
    code = _code_of(nonce) if nonce else captcha_issue(request)
    rng = secrets.SystemRandom()
    # Drawn at twice the size it is shown (180 x 60 CSS pixels): sharp on phones' screens.
    scale = 2
    width, height = 180 * scale, 60 * scale
    image = Image.new("RGB", (width, height), (245, 247, 246))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        draw.line(
            [(rng.randint(0, width), rng.randint(0, height)) for _ in range(2)],
            fill=(rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)),
            width=2 * scale,
        )
    font = ImageFont.load_default(size=38 * scale)
    x = 14 * scale
    for digit in code:
        glyph = Image.new("RGBA", (44 * scale, 56 * scale), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (6 * scale, 2 * scale), digit, font=font, fill=(rng.randint(120, 200), 20, 30)
        )
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
        image.paste(glyph, (x, rng.randint(0, 6 * scale)), glyph)
        x += rng.randint(36, 42) * scale
    for _ in range(250):
        left, top = rng.randint(0, width - scale), rng.randint(0, height - scale)
        draw.rectangle((left, top, left + scale - 1, top + scale - 1), fill=(90, 90, 90))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
