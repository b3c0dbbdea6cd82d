import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from layanan.accounts.models import EncryptedTOTPDevice
from layanan.accounts.tests.factories import PASSWORD
from layanan.accounts.two_factor import two_factor_reset
from layanan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.LDM_STAFF_2FA = True


def _staff_login(client, captcha, username):
    client.get(reverse("accounts:staff-login"))
    return client.post(
        reverse("accounts:staff-login"),
        {"identifier": username, "password": PASSWORD, "captcha": captcha},
    )


def _code(user, *, steps_ahead: int = 0) -> str:
    """The app's code now, or a later time step's: a code is accepted once (no replay)."""
    device = EncryptedTOTPDevice.objects.get(user=user)
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():06d}"


def _last_accepted_code(user) -> str:
    """The code of the time step the device accepted last: a replay even if the clock has
    moved on to the next 30-second step since."""
    device = EncryptedTOTPDevice.objects.get(user=user)
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = device.t0 + (device.last_t + 0.5) * device.step
    return f"{generator.token():06d}"


def _enrol(client, user) -> list[str]:
    page = client.get(reverse("accounts:two-factor"))
    assert "two-factor-qr" in page.content.decode()
    response = client.post(
        reverse("accounts:two-factor"), {"code": _code(user), "next": "/petugas/"}
    )
    return re.findall(r'<li class="col">(\w+)</li>', response.content.decode())


def test_staff_enrol_on_first_login_and_then_reach_their_pages(client, captcha, operator):
    _staff_login(client, captcha, operator.username)

    dashboard = client.get(reverse("backoffice:dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("accounts:two-factor"))
    wrong = client.post(reverse("accounts:two-factor"), {"code": "000000"})
    assert "salah" in wrong.content.decode()
    codes = _enrol(client, operator)

    assert len(codes) == 10
    assert client.get(reverse("backoffice:dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="staff.two_factor_enrolled", actor=operator).exists()


def test_every_later_login_asks_for_a_code(client, captcha, operator):
    _staff_login(client, captcha, operator.username)
    _enrol(client, operator)
    client.post(reverse("accounts:logout"))

    _staff_login(client, captcha, operator.username)
    assert client.get(reverse("letters:inbox")).status_code == 302
    page = client.get(reverse("accounts:two-factor")).content.decode()
    assert "two-factor-qr" not in page  # no new QR code for an enrolled device
    replayed = client.post(reverse("accounts:two-factor"), {"code": _last_accepted_code(operator)})
    assert replayed.status_code == 200  # the enrolment's code cannot be used again
    # A wrong code makes the next try wait a moment (throttling); a person waits, the test
    # resets the delay instead of sleeping.
    EncryptedTOTPDevice.objects.get(user=operator).throttle_reset()
    client.post(reverse("accounts:two-factor"), {"code": _code(operator, steps_ahead=1)})

    assert client.get(reverse("letters:inbox")).status_code == 200


def test_a_backup_code_works_once(client, captcha, head):
    _staff_login(client, captcha, head.username)
    codes = _enrol(client, head)
    for attempt in range(2):
        client.post(reverse("accounts:logout"))
        _staff_login(client, captcha, head.username)
        client.post(reverse("accounts:two-factor"), {"code": codes[0]})
        status = client.get(reverse("backoffice:dashboard")).status_code
        assert status == (200 if attempt == 0 else 302)


def test_the_admin_resets_a_lost_phone(client, captcha, operator, district_admin):
    _staff_login(client, captcha, operator.username)
    _enrol(client, operator)

    two_factor_reset(actor=district_admin, staff=operator)

    assert not EncryptedTOTPDevice.objects.filter(user=operator).exists()
    client.post(reverse("accounts:logout"))
    _staff_login(client, captcha, operator.username)
    assert "two-factor-qr" in client.get(reverse("accounts:two-factor")).content.decode()


def test_staff_cannot_change_their_password_before_the_code(client, captcha, operator):
    _staff_login(client, captcha, operator.username)

    response = client.get(reverse("accounts:password-change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))


def test_residents_have_no_second_factor(client, captcha, resident):
    client.get(reverse("accounts:login"))
    client.post(
        reverse("accounts:login"),
        {"identifier": resident.username, "password": PASSWORD, "captcha": captcha},
    )

    assert client.get(reverse("letters:dashboard")).status_code == 200
