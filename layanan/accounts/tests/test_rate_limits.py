"""The per-address limits of registration, password reset and confirmation resend lock.

Each test uses the limit configured in settings, goes one request past it from the test
client's address, and checks what the over-limit request changes: nothing.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from layanan.accounts.models import User
from layanan.accounts.tests.factories import UserFactory
from layanan.accounts.tests.test_registration import GUIDE

pytestmark = pytest.mark.django_db

OTHER_ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}


def _limit(scope: str) -> int:
    limit = settings.LDM_THROTTLES[scope][0]
    assert limit > 0
    return limit


def _nik(serial: int) -> str:
    """Valid NIKs of the guide's resident (born 1 January 2000), one per serial number."""
    return f"{GUIDE['nik'][:12]}{serial:04d}"


def _register(client, captcha, serial: int, **extra):
    client.get(reverse("accounts:register"), **extra)
    data = {**GUIDE, "nik": _nik(serial), "email": f"warga{serial}@example.com", "captcha": captcha}
    return client.post(reverse("accounts:register"), data, **extra)


def test_registrations_from_one_address_stop_at_the_limit(
    client, captcha, django_capture_on_commit_callbacks
):
    limit = _limit("register-address")
    with django_capture_on_commit_callbacks(execute=True):
        for serial in range(1, limit + 1):
            assert _register(client, captcha, serial)["Location"] == reverse(
                "accounts:register-done"
            )
    assert User.objects.count() == len(mail.outbox) == limit

    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, captcha, limit + 1)

    assert response.status_code == 200
    assert "Terlalu banyak pendaftaran" in response.content.decode()
    assert not User.objects.filter(username=_nik(limit + 1)).exists()
    assert User.objects.count() == len(mail.outbox) == limit

    # The lock is the address's: another network still registers.
    with django_capture_on_commit_callbacks(execute=True):
        other = _register(client, captcha, limit + 2, **OTHER_ADDRESS)
    assert other["Location"] == reverse("accounts:register-done")
    assert User.objects.filter(username=_nik(limit + 2)).exists()


def _reset(client, captcha, email: str, **extra):
    client.get(reverse("accounts:password-reset"), **extra)
    return client.post(
        reverse("accounts:password-reset"), {"email": email, "captcha": captcha}, **extra
    )


def test_password_reset_emails_from_one_address_stop_at_the_limit(
    client, captcha, resident, django_capture_on_commit_callbacks
):
    limit = _limit("password-reset-address")
    done = reverse("accounts:password-reset-done")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(limit):
            assert _reset(client, captcha, resident.email)["Location"] == done
    assert len(mail.outbox) == limit

    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, captcha, resident.email)

    assert response["Location"] == done  # the same answer
    assert len(mail.outbox) == limit  # and nothing sent

    with django_capture_on_commit_callbacks(execute=True):
        _reset(client, captcha, resident.email, **OTHER_ADDRESS)
    assert len(mail.outbox) == limit + 1


def _resend(client, captcha, email: str, **extra):
    client.get(reverse("accounts:confirm-resend"), **extra)
    return client.post(
        reverse("accounts:confirm-resend"), {"email": email, "captcha": captcha}, **extra
    )


def test_confirmation_resends_from_one_address_stop_at_the_limit(
    client, captcha, django_capture_on_commit_callbacks
):
    UserFactory(email="belum@example.com", email_confirmed_at=None)
    limit = _limit("confirm-resend-address")
    login = reverse("accounts:login")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(limit):
            assert _resend(client, captcha, "belum@example.com")["Location"] == login
    assert len(mail.outbox) == limit

    with django_capture_on_commit_callbacks(execute=True):
        response = _resend(client, captcha, "belum@example.com")

    assert response["Location"] == login  # the same answer
    assert len(mail.outbox) == limit  # and nothing sent

    with django_capture_on_commit_callbacks(execute=True):
        _resend(client, captcha, "belum@example.com", **OTHER_ADDRESS)
    assert len(mail.outbox) == limit + 1
