"""Account recovery at the counter (issue 18, Build 5): a resident whose NIK is held by an
account they cannot reach shows their KTP at the village office; the operator looks the NIK
up exactly, sets the email address the resident gives, and both addresses are told."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from layanan.accounts.services import account_email_set_at_counter, account_lookup_at_counter
from layanan.accounts.tests.factories import (
    PASSWORD,
    ResidentProfileFactory,
    UserFactory,
    nik_for,
)
from layanan.audit.models import AuditAction, AuditEntry
from layanan.core.errors import DomainError
from layanan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
NEW_EMAIL = "akhmad.baru@example.com"
NOT_FOUND = (
    "No resident account has this NIK. The resident can register with it (Registrasi), or you "
    "can register their request at the counter."
)
EMAIL_TAKEN = (
    "Another account already uses this email address, so nothing was changed. Ask the resident "
    "for an email address of their own that has no account here yet."
)


def _text(msgid: str) -> str:
    """What the page shows for ``msgid`` (Indonesian once the catalogue has it)."""
    with translation.override("id"):
        return gettext(msgid)


def _page(response) -> str:
    return " ".join(response.content.decode().split())


def _look_up(client, nik: str):
    return client.post(reverse("accounts:counter-recovery"), {"nik": nik})


def _set_email(client, profile, email=NEW_EMAIL, *, ktp_checked=True):
    data = {"email": email}
    if ktp_checked:
        data["ktp_checked"] = "on"
    return client.post(
        reverse("accounts:counter-recovery-account", kwargs={"public_id": profile.public_id}),
        data,
    )


def test_the_exact_nik_finds_the_account_and_the_lookup_is_audited(client, operator, resident):
    client.force_login(operator)
    spaced = " ".join(resident.username[i : i + 4] for i in range(0, 16, 4))

    response = _look_up(client, spaced)

    profile = resident.profile
    assert response["Location"] == reverse(
        "accounts:counter-recovery-account", kwargs={"public_id": profile.public_id}
    )
    assert resident.username not in response["Location"]  # never a NIK in an address
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_NIK_LOOKED_UP)
    assert (entry.actor, entry.subject, entry.village) == (operator, resident, operator.village)
    assert entry.data == {"found": True, "recoverable": True}
    assert resident.username not in str(entry.data)


def test_a_partial_or_unknown_nik_finds_nothing(client, operator, resident):
    client.force_login(operator)

    partial = _look_up(client, resident.username[:10])
    unknown = _look_up(client, resident.username[:-4] + "9999")

    assert partial.status_code == unknown.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_NIK_LOOKED_UP).count() == 1
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_NIK_LOOKED_UP)
    assert entry.subject is None and entry.data == {"found": False, "recoverable": False}
    assert _text(NOT_FOUND) in _page(unknown)
    assert resident.full_name not in _page(unknown)


def test_the_page_of_the_account_shows_what_to_compare_with_the_ktp(client, operator, resident):
    client.force_login(operator)
    resident.email = "akhmad.lama@example.com"
    resident.save(update_fields=["email"])

    page = _page(
        client.get(
            reverse(
                "accounts:counter-recovery-account",
                kwargs={"public_id": resident.profile.public_id},
            )
        )
    )

    assert resident.username in page and resident.full_name in page
    assert "ak•••@example.com" in page
    assert "akhmad.lama@example.com" not in page
    viewed = AuditEntry.objects.get(action=AuditAction.PROFILE_VIEWED)
    assert (viewed.actor, viewed.subject) == (operator, resident)


@time_machine.travel(dt.datetime(2022, 11, 6, 14, 5, tzinfo=JAKARTA), tick=False)
def test_a_new_email_moves_the_account_and_both_addresses_are_told(
    client, operator, resident, django_capture_on_commit_callbacks
):
    old_email = resident.email
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = _set_email(client, resident.profile)

    assert response["Location"] == reverse("accounts:counter-recovery")
    resident.refresh_from_db()
    assert resident.email == NEW_EMAIL
    assert not resident.email_confirmed  # until the link sent there is opened
    assert not resident.check_password(PASSWORD)  # whoever knew the old one is out
    assert resident.has_usable_password()  # so "Lupa password" can still send a link
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_EMAIL_SET_AT_COUNTER)
    assert (entry.actor, entry.subject, entry.village) == (operator, resident, operator.village)
    assert NEW_EMAIL not in str(entry.data) and old_email not in str(entry.data)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {old_email, NEW_EMAIL}
    assert set(OutgoingEmail.objects.values_list("kind", flat=True)) == {
        "email_changed_at_counter",
        "account_recovered",
    }
    notice = str(by_address[old_email].body)
    assert "Kelurahan Kauman" in notice
    assert "06 November 2022" in notice and "14.05" in notice
    assert "/lupa-password/" not in notice  # the link goes to the new address only
    assert re.search(r"/lupa-password/\S+/\S+/", str(by_address[NEW_EMAIL].body))
    for message in mail.outbox:
        assert resident.username not in f"{message.subject} {message.body}"


def test_the_link_sent_lets_the_resident_choose_a_password_and_log_in(
    client, captcha, operator, resident, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        _set_email(client, resident.profile)
    client.logout()
    (message,) = [m for m in mail.outbox if m.to == [NEW_EMAIL]]
    found = re.search(r"https?://[^/]+(/lupa-password/\S+/\S+/)", str(message.body))
    assert found
    path = found.group(1)

    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Kembali-2026", "new_password2": "Kembali-2026"},
    )
    client.get(reverse("accounts:login"))
    login = client.post(
        reverse("accounts:login"),
        {"identifier": resident.username, "password": "Kembali-2026", "captcha": captcha},
    )

    resident.refresh_from_db()
    assert resident.email_confirmed
    assert login["Location"] == reverse("letters:dashboard")


@pytest.mark.parametrize("email", ["TETANGGA@example.com", "tetangga@example.com"])
def test_an_email_another_account_uses_changes_nothing(client, operator, resident, email):
    UserFactory.create(email="tetangga@example.com")
    old_email = resident.email
    client.force_login(operator)

    response = _set_email(client, resident.profile, email)

    assert response.status_code == 200
    assert _text(EMAIL_TAKEN) in _page(response)
    resident.refresh_from_db()
    assert resident.email == old_email and resident.check_password(PASSWORD)
    assert not OutgoingEmail.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ACCOUNT_EMAIL_SET_AT_COUNTER).exists()


def test_the_operator_must_say_they_checked_the_ktp(client, operator, resident):
    client.force_login(operator)

    response = _set_email(client, resident.profile, ktp_checked=False)

    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.email != NEW_EMAIL
    assert 'href="#id_ktp_checked"' in response.content.decode()  # in the error summary


def test_an_operator_of_another_village_cannot_recover_the_account(
    client, other_operator, resident
):
    client.force_login(other_operator)

    found = _look_up(client, resident.username)
    page = client.get(
        reverse(
            "accounts:counter-recovery-account", kwargs={"public_id": resident.profile.public_id}
        )
    )
    posted = _set_email(client, resident.profile)

    assert found.status_code == 200
    assert resident.full_name not in _page(found)
    assert page.status_code == posted.status_code == 404
    with pytest.raises(DomainError):
        account_email_set_at_counter(
            actor=other_operator, profile=resident.profile, email=NEW_EMAIL
        )
    resident.refresh_from_db()
    assert resident.email != NEW_EMAIL
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_NIK_LOOKED_UP)
    assert entry.subject == resident  # the owner's log shows who looked them up
    assert entry.data == {"found": True, "recoverable": False}


def test_an_account_whose_profile_names_no_village_yet_can_be_recovered_anywhere(
    client, other_operator, django_capture_on_commit_callbacks
):
    never_completed = ResidentProfileFactory.create(village=None).user
    client.force_login(other_operator)

    assert _look_up(client, never_completed.username).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        _set_email(client, never_completed.profile)

    never_completed.refresh_from_db()
    assert never_completed.email == NEW_EMAIL
    notice = next(m for m in mail.outbox if m.to != [NEW_EMAIL])
    assert "Desa Kalisalak" in str(notice.body)


def test_an_account_without_a_village_from_another_kecamatan_is_not_for_this_office(
    client, other_operator
):
    # A NIK issued in Kecamatan Warungasem (33.25.12), not in the operator's Kecamatan Batang.
    elsewhere = ResidentProfileFactory.create(
        village=None,
        user__username=nik_for("332512", dt.date(1990, 1, 1), female=False, sequence=7),
    )
    client.force_login(other_operator)

    assert _look_up(client, elsewhere.user.username).status_code == 200
    assert _set_email(client, elsewhere).status_code == 404
    elsewhere.user.refresh_from_db()
    assert elsewhere.user.email != NEW_EMAIL


def test_only_operators_look_up_or_recover(head, district_admin, resident):
    for actor in (head, district_admin, resident):
        with pytest.raises(DomainError):
            account_lookup_at_counter(actor=actor, nik=resident.username)
        with pytest.raises(DomainError):
            account_email_set_at_counter(actor=actor, profile=resident.profile, email=NEW_EMAIL)
    assert not AuditEntry.objects.exists()


def test_the_same_email_again_is_refused(client, operator, resident):
    client.force_login(operator)

    response = _set_email(client, resident.profile, resident.email.upper())

    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)
    assert not OutgoingEmail.objects.exists()


def test_the_verification_page_links_to_the_recovery(client, operator, resident):
    client.force_login(operator)

    page = client.get(
        reverse("accounts:verification-detail", kwargs={"public_id": resident.profile.public_id})
    ).content.decode()

    assert (
        reverse(
            "accounts:counter-recovery-account", kwargs={"public_id": resident.profile.public_id}
        )
        in page
    )


@pytest.mark.parametrize(
    "name", ["accounts:login", "accounts:password-reset", "accounts:confirm-resend"]
)
def test_the_login_and_reset_pages_point_to_the_village_office(client, name):
    page = _page(client.get(reverse(name)))

    assert _text("Cannot open your email?") in page
