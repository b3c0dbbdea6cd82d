import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, User
from layanan.accounts.tests.factories import UserFactory
from layanan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

GUIDE = {
    "nik": "3325110101000000",
    "full_name": "AKHMAD KURNIAWAN",
    "birth_place": "BATANG",
    "birth_date": "2000-01-01",
    "email": "akhmad@example.com",
    "password": "Rahasia-2022",
    "agree": "on",
}


def _register(client, captcha, **overrides):
    client.get(reverse("accounts:register"))  # issues the Kode Keamanan
    data = {**GUIDE, "captcha": captcha, **overrides}
    return client.post(reverse("accounts:register"), data)


def _link(message) -> str:
    found = re.search(r"https?://\S+/registrasi/konfirmasi/\S+/", message.body)
    assert found
    return found.group(0)


def test_registering_creates_an_unconfirmed_resident_and_emails_a_link(
    client, captcha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, captcha)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "AKHMAD KURNIAWAN" in page and "akhmad@example.com" in page
    user = User.objects.get(username="3325110101000000")
    assert user.is_resident and not user.email_confirmed
    assert user.password.startswith("argon2")
    assert user.profile.birth_date == dt.date(2000, 1, 1)
    assert user.profile.gender == "L"
    assert user.profile.status == ProfileStatus.UNVERIFIED
    (message,) = mail.outbox
    assert message.to == ["akhmad@example.com"]
    assert "Rahasia-2022" not in message.body  # never the password, unlike the old system
    assert "3325110101000000" not in message.subject
    assert _link(message)
    assert OutgoingEmail.objects.get().sent_at is not None


def test_the_confirmation_link_activates_the_account(
    client, captcha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _register(client, captcha)
    link = _link(mail.outbox[0])
    path = link.split("://", 1)[1].split("/", 1)[1]

    assert client.get("/" + path).status_code == 200  # a button, not yet a confirmation
    assert not User.objects.get(username=GUIDE["nik"]).email_confirmed
    response = client.post("/" + path)

    assert response["Location"] == reverse("accounts:login")
    assert User.objects.get(username=GUIDE["nik"]).email_confirmed


def test_a_forged_or_expired_link_confirms_nothing(
    client, captcha, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _register(client, captcha)
    path = "/" + _link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]

    client.post(path[:-3] + "xx/")
    settings.LDM_CONFIRMATION_MAX_AGE = -1
    response = client.post(path, follow=True)

    assert not User.objects.get(username=GUIDE["nik"]).email_confirmed
    assert "tidak berlaku" in response.content.decode()


@pytest.mark.parametrize("taken", ["nik", "email", "both"])
def test_a_taken_nik_or_email_answers_like_a_fresh_registration_and_tells_the_owner(
    client, captcha, django_capture_on_commit_callbacks, taken
):
    owner = UserFactory.create(
        username=GUIDE["nik"] if taken in ("nik", "both") else "3325110202900001",
        email="AKHMAD@example.com" if taken in ("email", "both") else "owner@example.com",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, captcha)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register-done")
    assert User.objects.count() == 1
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert OutgoingEmail.objects.get().kind == "account_exists"
    assert "/registrasi/konfirmasi/" not in message.body


def test_a_registration_with_a_wrong_nik_explains_and_stores_nothing(client, captcha):
    response = _register(client, captcha, birth_date="2000-01-02")

    assert response.status_code == 200
    assert "tidak sesuai" in response.content.decode()
    assert not User.objects.exists()
    assert not ResidentProfile.objects.exists()


def test_the_security_code_is_required_and_checked(client):
    client.get(reverse("accounts:register"))
    response = client.post(reverse("accounts:register"), {**GUIDE, "captcha": "0000"})

    assert response.status_code == 200
    assert "Kode keamanan salah" in response.content.decode()
    assert not User.objects.exists()


def test_the_terms_must_be_accepted(client, captcha):
    data = {**GUIDE}
    del data["agree"]
    client.get(reverse("accounts:register"))
    response = client.post(reverse("accounts:register"), {**data, "captcha": captcha})

    assert response.status_code == 200
    assert not User.objects.exists()


def test_the_guide_password_rule_applies(client, captcha):
    response = _register(client, captcha, password="semuakecil1")

    assert "huruf besar dan kecil" in response.content.decode()
    assert not User.objects.exists()


def test_a_failed_email_send_does_not_lose_the_registration(
    client, captcha, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "layanan.notifications.tests.backends.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, captcha)

    assert response.status_code == 302
    assert User.objects.filter(username=GUIDE["nik"]).exists()
    email = OutgoingEmail.objects.get()
    assert email.sent_at is None
    assert email.attempts == 1
    assert email.last_error == "ConnectionRefusedError"


def test_a_new_link_can_be_requested_for_an_unconfirmed_account(
    client, captcha, django_capture_on_commit_callbacks
):
    UserFactory(email="belum@example.com", email_confirmed_at=None)
    UserFactory(email="sudah@example.com")
    for email in ("belum@example.com", "sudah@example.com", "tidakada@example.com"):
        client.get(reverse("accounts:confirm-resend"))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("accounts:confirm-resend"), {"email": email, "captcha": captcha}
            )
        assert response.status_code == 302

    assert [m.to for m in mail.outbox] == [["belum@example.com"]]


def _done_page(client, captcha, django_capture_on_commit_callbacks, **overrides) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, captcha, **overrides)
    assert response["Location"] == reverse("accounts:register-done")
    return client.get(response["Location"]).content.decode()


def test_a_taken_nik_shows_the_very_page_of_a_fresh_registration(
    client, captcha, django_capture_on_commit_callbacks
):
    fresh = _done_page(client, captcha, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    # The same NIK again, by someone else who cannot reach the first account's inbox.
    taken = _done_page(
        client.__class__(),
        captcha,
        django_capture_on_commit_callbacks,
        email="keluarga@example.com",
    )

    assert taken.replace("keluarga@example.com", GUIDE["email"]) == fresh
    (notice,) = mail.outbox
    assert notice.to == [GUIDE["email"]]  # the owner hears of it; nothing to the new address


def test_the_done_page_claims_no_email_and_points_to_the_village_office(
    client, captcha, django_capture_on_commit_callbacks
):
    from django.utils import translation
    from django.utils.translation import gettext

    page = " ".join(_done_page(client, captcha, django_capture_on_commit_callbacks).split())

    with translation.override("id"):
        box = gettext("No email from us after an hour?")
        sent_claim = gettext(
            "Thank you for registering with Layanan Desa Mandiri. We have sent the "
            "confirmation of your account to %(email)s."
        ) % {"email": GUIDE["email"]}
    assert box in page
    assert sent_claim not in page  # the old page said so even when nothing was sent
    assert "KTP" in page
