"""Kode Keamanan: an image of digits the person types back (guide section 5).

The code lives in the server-side session, is valid for one answer only and for ten
minutes, and is drawn with noise so that a plain OCR pass fails more often than a person.
Automated tests set LDM_CAPTCHA_FIXED_CODE: the field is still required and checked.
"""

import hmac
import io
import secrets
import time

from django.conf import settings
from django.http import HttpRequest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SESSION_KEY = "ldm_captcha"
LENGTH = 4
MAX_AGE = 10 * 60


def captcha_issue(request: HttpRequest) -> str:
    """Put a new code in the session and return it."""
    code = settings.LDM_CAPTCHA_FIXED_CODE or "".join(
        secrets.choice("0123456789") for _ in range(LENGTH)
    )
    request.session[SESSION_KEY] = {"code": code, "issued": int(time.time())}
    return code


def captcha_check(request: HttpRequest, answer: str) -> bool:
    """True if the answer is the current code. Any answer uses the code up."""
    stored = request.session.pop(SESSION_KEY, None)
    if not stored or time.time() - stored["issued"] > MAX_AGE:
        return False
    return hmac.compare_digest(stored["code"], (answer or "").strip())


def captcha_png(request: HttpRequest) -> bytes:
    """The current code drawn as a PNG (a new code if there is none)."""
    stored = request.session.get(SESSION_KEY)
    code = stored["code"] if stored else captcha_issue(request)
    rng = secrets.SystemRandom()
    width, height = 180, 60
    image = Image.new("RGB", (width, height), (245, 247, 246))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        draw.line(
            [(rng.randint(0, width), rng.randint(0, height)) for _ in range(2)],
            fill=(rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)),
            width=2,
        )
    font = ImageFont.load_default(size=38)
    x = 14
    for digit in code:
        glyph = Image.new("RGBA", (44, 56), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 2), digit, font=font, fill=(rng.randint(120, 200), 20, 30))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
        image.paste(glyph, (x, rng.randint(0, 6)), glyph)
        x += rng.randint(36, 42)
    for _ in range(250):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=(90, 90, 90))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
