import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from layanan.backoffice.tests.test_letter_type_editor import _form_data
from layanan.documents.rendering import letter_pdf
from layanan.documents.services import letter_sign
from layanan.documents.tests.helpers import pdf_text
from layanan.letters.models import LetterType
from layanan.letters.validity import ValidityUnit, valid_until, validity_check, validity_text

DAYS, MONTHS = ValidityUnit.DAYS, ValidityUnit.MONTHS


@pytest.mark.parametrize(
    ("issued", "amount", "expected"),
    [
        (dt.date(2022, 11, 1), 1, dt.date(2022, 12, 1)),  # the guide: 01 Nov s.d. 01 Des 2022
        (dt.date(2026, 3, 15), 1, dt.date(2026, 4, 15)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 12, 31), 12, dt.date(2027, 12, 31)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 29), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2028, 2, 29), 48, dt.date(2032, 2, 29)),
        (dt.date(2026, 5, 31), 120, dt.date(2036, 5, 31)),
    ],
)
def test_months_end_on_the_same_date_or_the_last_day_of_a_shorter_month(issued, amount, expected):
    assert valid_until(issued, amount, MONTHS) == expected


def test_a_month_never_spills_into_the_month_after():
    issued = dt.date(2026, 1, 1)
    for offset in range(366 * 4):
        day = issued + dt.timedelta(days=offset)
        for amount in (1, 2, 3, 6, 11, 12):
            until = valid_until(day, amount, MONTHS)
            assert (until.year - day.year) * 12 + until.month - day.month == amount
            assert until.day == day.day or (until + dt.timedelta(days=1)).day == 1


@pytest.mark.parametrize(
    ("issued", "amount", "expected"),
    [
        (dt.date(2022, 11, 1), 30, dt.date(2022, 12, 1)),
        (dt.date(2026, 1, 31), 30, dt.date(2026, 3, 2)),
        (dt.date(2028, 1, 31), 30, dt.date(2028, 3, 1)),
        (dt.date(2028, 2, 28), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 8, 31), 180, dt.date(2027, 2, 27)),
    ],
)
def test_days_are_counted_as_before(issued, amount, expected):
    assert valid_until(issued, amount, DAYS) == expected == issued + dt.timedelta(days=amount)


def test_an_unknown_unit_is_an_error():
    with pytest.raises(ValueError, match="minggu"):
        valid_until(dt.date(2026, 1, 1), 1, "minggu")


def test_a_draft_states_the_validity_in_its_unit():
    assert validity_text(30, DAYS) == "30 hari sejak surat diterbitkan"
    assert validity_text(1, MONTHS) == "1 bulan sejak surat diterbitkan"
    assert validity_text(6, "bulan") == "6 bulan sejak surat diterbitkan"


@pytest.mark.parametrize(
    ("amount", "unit", "allowed"),
    [
        (1, DAYS, True),
        (3650, DAYS, True),
        (120, MONTHS, True),
        (0, DAYS, False),
        (0, MONTHS, False),
        (3651, DAYS, False),
        (121, MONTHS, False),
    ],
)
def test_a_validity_is_between_one_day_and_ten_years(amount, unit, allowed):
    if allowed:
        validity_check(amount, unit)
    else:
        with pytest.raises(ValidationError):
            validity_check(amount, unit)


# --- The back office ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_editor_accepts_one_month(client, district_admin, kauman, catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)

    response = client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}),
        _form_data(domisili, validity_amount="1", validity_unit="bulan"),
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    domisili.refresh_from_db()
    assert (domisili.validity_amount, domisili.validity_unit) == (1, MONTHS)
    assert domisili.versions.get().snapshot["validity_unit"] == "bulan"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "unit", "code"),
    [("0", "bulan", "min_value"), ("-3", "hari", "min_value"), ("121", "bulan", "max_value")],
)
def test_the_editor_explains_a_validity_it_refuses(
    client, district_admin, kauman, catalogue, amount, unit, code
):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)

    response = client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}),
        _form_data(domisili, validity_amount=amount, validity_unit=unit),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert [error.code for error in errors.as_data()["validity_amount"]] == [code]
    assert escape(errors["validity_amount"][0]) in response.content.decode()
    domisili.refresh_from_db()
    assert (domisili.validity_amount, domisili.validity_unit) == (30, DAYS)


@pytest.mark.django_db
def test_the_model_refuses_what_the_editor_would(catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    domisili.validity_amount, domisili.validity_unit = 121, MONTHS

    with pytest.raises(ValidationError) as refused:
        domisili.full_clean()

    assert list(refused.value.message_dict) == ["validity_amount"]


# --- A letter valid for one month, end to end ----------------------------------------------


@pytest.fixture
def on_31_january_2028():
    """Issue day 31 January 2028 (Asia/Jakarta), a leap year; requested before the PKI and the
    draft so that everything, certificates included, is made that day."""
    moment = dt.datetime(2028, 1, 31, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    with time_machine.travel(moment):
        yield


def _text(tmp_path, pdf: bytes) -> str:
    path = tmp_path / "surat.pdf"
    path.write_bytes(pdf)
    return " ".join(pdf_text(path).split())


@pytest.mark.django_db
def test_a_letter_valid_one_month_issued_on_31_january_runs_to_29_february(
    on_31_january_2028, draft, signing_head, head_passphrase, tmp_path
):
    LetterType.objects.filter(code="SK-DOMISILI").update(validity_amount=1, validity_unit=MONTHS)
    draft.letter_type.refresh_from_db()

    assert "Masa berlaku: 1 bulan sejak surat diterbitkan" in _text(tmp_path, letter_pdf(draft))

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    assert (issued.valid_from, issued.valid_until) == (dt.date(2028, 1, 31), dt.date(2028, 2, 29))
    assert "Masa berlaku: 31 Januari 2028 s.d. 29 Februari 2028" in _text(
        tmp_path, issued.document.read()
    )
