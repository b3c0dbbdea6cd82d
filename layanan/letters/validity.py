"""How long a letter is valid: a number of days or of calendar months after it is issued."""

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ValidityUnit(models.TextChoices):
    """The stored value is the word the letter prints ("30 hari", "1 bulan")."""

    DAYS = "hari", _("days")
    MONTHS = "bulan", _("months")


# Ten years: no village letter is valid longer, and a typo in the editor must not produce a
# date past the calendar's end that would make every letter of the type impossible to sign.
LONGEST = {ValidityUnit.DAYS: 3650, ValidityUnit.MONTHS: 120}

TOO_SHORT = _("A letter is valid for at least 1 day or 1 month.")


def valid_until(issued: dt.date, amount: int, unit: str) -> dt.date:
    """The last day a letter issued on ``issued`` is valid, counted as the village office
    counts "berlaku N hari / N bulan sejak tanggal dikeluarkan".

    Days: ``issued`` plus N days (30 hari from 1 November is 1 December).

    Months: calendar months, not blocks of 30 days. The letter runs to the same date N months
    later (15 Maret + 1 bulan = 15 April), as the Batang guide's example shows ("01 November
    2022 s.d. 01 Desember 2022": the same date, not the day before). When that month is too
    short for the date, it runs to that month's last day and never spills into the next one:
    31 Januari + 1 bulan = 28 Februari (29 in a leap year), 30 November + 3 bulan =
    28/29 Februari, 31 Agustus + 6 bulan = 28/29 Februari. The 30-day "bulan" of KUHP
    article 97 is a rule for criminal sentences; a type that means 30 days says "30 hari".
    """
    if unit == ValidityUnit.DAYS:
        return issued + dt.timedelta(days=amount)
    if unit == ValidityUnit.MONTHS:
        year, month_index = divmod(issued.month - 1 + amount, 12)
        year += issued.year
        month = month_index + 1
        last_day = calendar.monthrange(year, month)[1]
        return dt.date(year, month, min(issued.day, last_day))
    raise ValueError(f"Unknown validity unit: {unit!r}")


def validity_text(amount: int, unit: str) -> str:
    """The validity as a letter not yet issued states it: "30 hari sejak surat diterbitkan".

    Letters are written in Bahasa Indonesia whatever the reader's language, so this is not
    translated.
    """
    return f"{amount} {ValidityUnit(unit).value} sejak surat diterbitkan"


def validity_check(amount: int, unit: str) -> None:
    """Refuse a validity no letter can have: under 1 day or month, over ten years."""
    if amount < 1:
        raise ValidationError(TOO_SHORT, code="min_value")
    longest = LONGEST[ValidityUnit(unit)]
    if amount > longest:
        raise ValidationError(
            _("A letter is valid for at most 10 years: %(days)s days or %(months)s months."),
            code="max_value",
            params={"days": LONGEST[ValidityUnit.DAYS], "months": LONGEST[ValidityUnit.MONTHS]},
        )
