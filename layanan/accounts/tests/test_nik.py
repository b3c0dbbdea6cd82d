import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from layanan.accounts.nik import nik_facts, normalise_nik, validate_nik_with_birth_date

GUIDE_NIK = "3325110101000000"  # the guide's example: Kecamatan Batang, a man born 01-01-2000


def _error(nik, birth_date=None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_nik_with_birth_date(nik, birth_date)
    return caught.value


def test_the_guide_nik_reads_as_a_man_born_in_kecamatan_batang():
    facts = validate_nik_with_birth_date(GUIDE_NIK, dt.date(2000, 1, 1))

    assert facts.district_prefix == "332511"
    assert (facts.day, facts.month, facts.year_2) == (1, 1, 0)
    assert not facts.is_female


def test_women_have_40_added_to_the_day():
    facts = validate_nik_with_birth_date("3325114506950003", dt.date(1995, 6, 5))

    assert facts.is_female
    assert facts.day == 5


@pytest.mark.parametrize("nik", ["332511010100000", "33251101010000001", "33251101010000a0", ""])
def test_a_nik_has_exactly_16_digits(nik):
    error = _error(nik)

    assert error.code == "nik_format"
    assert "16 digit" in error.messages[0]


def test_the_first_6_digits_must_be_a_kecamatan():
    error = _error("9999990101000001")

    assert error.code == "nik_district"
    assert "999999" in error.messages[0]


def test_a_kecamatan_outside_the_loaded_kabupaten_is_still_a_kecamatan():
    # Someone living in Batang may hold a NIK issued in Jakarta Pusat.
    assert nik_facts("3171010101900001").district_prefix == "317101"


@pytest.mark.parametrize(
    "digits",
    [
        "320100",  # day 32
        "000100",  # day 0
        "011300",  # month 13
        "720100",  # day 72 - 40 = 32
        "300201",  # 30 February
        "290201",  # 29 February 2001 (not a leap year)
    ],
)
def test_digits_7_to_12_must_be_a_date(digits):
    error = _error(f"332511{digits}0001")

    assert error.code == "nik_birth_date"
    assert digits in error.messages[0]


def test_29_february_of_a_leap_year_is_a_date():
    assert nik_facts("3325112902000001").day == 29


@pytest.mark.parametrize(
    "birth_date",
    [dt.date(2000, 1, 2), dt.date(2000, 2, 1), dt.date(2001, 1, 1), dt.date(1999, 12, 31)],
)
def test_the_birth_date_must_match_the_nik(birth_date):
    error = _error(GUIDE_NIK, birth_date)

    assert error.code == "nik_birth_date_mismatch"
    assert "01-01-00" in error.messages[0]


def test_the_century_is_not_in_the_nik():
    assert validate_nik_with_birth_date("3325110101000001", dt.date(1900, 1, 1))


def test_people_may_type_the_nik_with_spaces_or_dots():
    assert normalise_nik("3325 1101.0100-0000 ") == GUIDE_NIK
