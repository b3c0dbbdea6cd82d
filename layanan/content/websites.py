"""Village website addresses: one normal form for storing, one safe link for showing.

The directory lists domains ("kauman.desa.example"), as the guide's Website Desa page does;
the same value is printed on the village's letterhead. People paste full addresses
("https://Kauman.desa.example/"), so input is reduced to host and optional path.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 100
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")
_PATH = re.compile(r"^(/[A-Za-z0-9._~%!$&'()*+,;=:@-]*)*$")


def website_normalise(value: str) -> str:
    """``value`` as ``host[/path]`` in lower-case host, or "" for an empty value.

    Raises ValidationError for anything that is not a plain web address.
    """
    value = (value or "").strip()
    if not value:
        return ""
    invalid = ValidationError(
        _("Enter a web address such as kauman.desa.id or https://kauman.desa.id."),
        code="website",
    )
    address = value if "://" in value else f"https://{value}"
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError as error:
        raise invalid from error
    host = (parts.hostname or "").rstrip(".")
    if (
        parts.scheme not in ("http", "https")
        or port is not None
        or parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or not _HOST.match(host)
        or not _PATH.match(parts.path)
    ):
        raise invalid
    path = parts.path.rstrip("/")
    normal = f"{host}{path}"
    if len(normal) > MAX_LENGTH:
        raise ValidationError(
            _("The address is longer than %(limit)s characters."),
            code="website_length",
            params={"limit": MAX_LENGTH},
        )
    return normal


def website_href(value: str) -> str:
    """The https link for a stored address, or "" when the stored text is not one.

    Operators also edit the value (on the letterhead form), so it is checked again here
    rather than trusted.
    """
    try:
        normal = website_normalise(value)
    except ValidationError:
        return ""
    if not normal:
        return ""
    return f"https://{normal}" if "/" in normal else f"https://{normal}/"
