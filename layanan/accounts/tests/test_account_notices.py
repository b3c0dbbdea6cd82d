"""The owner hears of changes to their account: a new password (changed while logged in,
or through a reset link) and a new email address (told at the old address), through the
outbox, in Indonesian, with the time in WIB."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from layanan.accounts.services import account_email_change
from layanan.accounts.tests.factories import PASSWORD, UserFactory
from layanan.core.errors import DomainError
from layanan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Baru-2026x"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


@time_machine.travel(dt.datetime(2022, 11, 6, 14, 5, tzinfo=JAKARTA), tick=False)
def test_changing_the_password_tells_the_owner(
    client, resident, django_capture_on_commit_callbacks
):
    client.force_login(resident)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password-change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [resident.email]
    assert OutgoingEmail.objects.get().kind == "password_changed"
    assert "06 November 2022" in message.body
    assert "14.05" in message.body
    assert reverse("accounts:password-reset") in message.body
    assert NEW_PASSWORD not in message.body
    assert resident.username not in message.subject  # no NIK in a subject


def test_a_wrong_old_password_changes_nothing_and_sends_nothing(client, resident):
    client.force_login(resident)

    client.post(
        reverse("accounts:password-change"),
        {"old_password": "salah", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert OutgoingEmail.objects.count() == 0
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


def test_a_password_set_through_the_reset_link_tells_the_owner(
    client, captcha, resident, django_capture_on_commit_callbacks
):
    client.get(reverse("accounts:password-reset"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password-reset"), {"email": resident.email, "captcha": captcha}
        )
    found = re.search(r"https?://[^/]+(/lupa-password/\S+/\S+/)", str(mail.outbox[0].body))
    assert found
    set_url = client.get(found.group(1), follow=True).redirect_chain[-1][0]

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("accounts:password-reset-complete")
    assert [e.kind for e in OutgoingEmail.objects.order_by("pk")] == [
        "password_reset",
        "password_changed",
    ]
    assert mail.outbox[-1].to == [resident.email]
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)


def test_a_new_email_address_is_told_at_the_old_one(resident, django_capture_on_commit_callbacks):
    old = resident.email

    with django_capture_on_commit_callbacks(execute=True):
        account_email_change(user=resident, email="alamat.baru@example.com")

    notice, confirmation = sorted(mail.outbox, key=lambda m: m.to[0] != old)
    assert notice.to == [old]
    assert "alamat.baru" not in notice.body  # the old inbox does not learn the new address
    assert confirmation.to == ["alamat.baru@example.com"]
    assert "/registrasi/konfirmasi/" in confirmation.body
    resident.refresh_from_db()
    assert resident.email == "alamat.baru@example.com"
    assert resident.email_confirmed_at is None


def test_an_address_of_another_account_is_refused_and_nothing_is_sent(resident):
    UserFactory(email="dipakai@example.com")

    with pytest.raises(DomainError):
        account_email_change(user=resident, email="DIPAKAI@example.com")

    assert OutgoingEmail.objects.count() == 0
    resident.refresh_from_db()
    assert resident.email != "dipakai@example.com"
