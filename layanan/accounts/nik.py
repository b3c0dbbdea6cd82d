"""The NIK (Nomor Induk Kependudukan) and what its digits say.

A NIK has 16 digits: 6 for the kecamatan that issued it (the district code without dots),
6 for the birth date as DDMMYY with 40 added to the day for women, and 4 for a sequence.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from layanan.regions.selectors import district_name_for_nik_prefix

_SIXTEEN_DIGITS = re.compile(r"^[0-9]{16}$")


@dataclass(frozen=True)
class NikFacts:
    district_prefix: str
    day: int
    month: int
    year_2: int
    is_female: bool

    def matches_birth_date(self, birth_date: dt.date) -> bool:
        return (birth_date.day, birth_date.month, birth_date.year % 100) == (
            self.day,
            self.month,
            self.year_2,
        )


def normalise_nik(value: str) -> str:
    """People type NIKs with spaces or dots from the card; keep the digits."""
    return re.sub(r"[\s.\-]", "", value or "")


def nik_facts(nik: str) -> NikFacts:
    """Read a NIK, raising ValidationError with a message that says what is wrong."""
    if not _SIXTEEN_DIGITS.match(nik):
        raise ValidationError(_("A NIK has exactly 16 digits (numbers only)."), code="nik_format")
    prefix = nik[:6]
    if district_name_for_nik_prefix(prefix) is None:
        raise ValidationError(
            _(
                "The first 6 digits of the NIK (%(prefix)s) are not the code of any kecamatan "
                "in Indonesia. Check them against your KTP."
            ),
            code="nik_district",
            params={"prefix": prefix},
        )
    day, month, year_2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    is_female = day > 40
    if is_female:
        day -= 40
    if not _is_calendar_date(day, month, year_2):
        raise ValidationError(
            _(
                "Digits 7 to 12 of the NIK (%(digits)s) are not a birth date (DDMMYY, with 40 "
                "added to the day for women). Check them against your KTP."
            ),
            code="nik_birth_date",
            params={"digits": nik[6:12]},
        )
    return NikFacts(
        district_prefix=prefix, day=day, month=month, year_2=year_2, is_female=is_female
    )


def _is_calendar_date(day: int, month: int, year_2: int) -> bool:
    # 2000 is a leap year and so is every year where year_2 % 4 == 0 in 1901-2099.
    try:
        dt.date(2000 + year_2 if year_2 % 4 == 0 else 2001, month, day)
    except ValueError:
        return False
    return True


def validate_nik_with_birth_date(nik: str, birth_date: dt.date | None) -> NikFacts:
    """Check the NIK on its own and against the birth date the person entered."""
    facts = nik_facts(nik)
    if birth_date is not None and not facts.matches_birth_date(birth_date):
        raise ValidationError(
            _(
                "The birth date in the NIK (%(nik_date)s) does not match the birth date you "
                "entered (%(entered)s). Check both against your KTP."
            ),
            code="nik_birth_date_mismatch",
            params={
                "nik_date": f"{facts.day:02d}-{facts.month:02d}-{facts.year_2:02d}",
                "entered": formats.date_format(birth_date),
            },
        )
    return facts
