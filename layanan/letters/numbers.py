"""Letter numbers: the type's pattern filled with the village's yearly sequence."""

import datetime as dt
import re

from django.utils.translation import gettext as _

from layanan.core.errors import DomainError

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
PATTERN_FIELDS = {"kode", "nomor", "bulan_romawi", "bulan", "tahun", "desa"}


def number_format(
    pattern: str, *, code: str, sequence: int, day: dt.date, village_code: str
) -> str:
    """Format a letter number: "{kode}/{nomor:03}/{bulan_romawi}/{tahun}" -> "470/001/XI/2022"."""
    return pattern.format(
        kode=code,
        nomor=sequence,
        bulan_romawi=ROMAN_MONTHS[day.month - 1],
        bulan=day.month,
        tahun=day.year,
        desa=village_code.rsplit(".", 1)[-1],
    )


def number_pattern_check(pattern: str) -> None:
    """Refuse a pattern that cannot make unique numbers (for the type editor)."""
    names = set(re.findall(r"{(\w+)", pattern))
    if not names <= PATTERN_FIELDS or "nomor" not in names:
        raise DomainError(
            _("A number pattern uses {nomor} and only these fields: %(fields)s.")
            % {"fields": ", ".join(sorted(PATTERN_FIELDS))},
            code="pattern",
        )
    try:
        number_format(
            pattern, code="000", sequence=1, day=dt.date(2000, 1, 1), village_code="1.1.1.1"
        )
    except (ValueError, KeyError, IndexError) as error:
        raise DomainError(
            _("The number pattern is not valid: %(error)s") % {"error": error}, code="pattern"
        ) from error
