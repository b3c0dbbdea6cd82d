import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp

from layanan.accounts.models import EncryptedTOTPDevice, Role, User
from layanan.documents.services import letter_sign, signing_credential_issue
from layanan.letters.models import RequestStatus
from layanan.verification.services import letter_check_upload

pytestmark = pytest.mark.django_db


def _create(client, **data):
    payload = {
        "role": Role.OPERATOR,
        "username": "operator.baru",
        "full_name": "Sri Wahyuni",
        "email": "sri@example.com",
        "staff_nik": "",
    }
    payload.update(data)
    return client.post(reverse("backoffice:staff-create"), payload)


def test_the_admin_creates_an_operator_who_sets_a_password_and_logs_in_with_a_code(
    client, captcha, district_admin, kauman, settings, django_capture_on_commit_callbacks
):
    settings.LDM_STAFF_2FA = True
    client.force_login(district_admin)
    from django_otp import DEVICE_ID_SESSION_KEY  # noqa: F401 - the admin's own 2FA is off here

    settings.LDM_STAFF_2FA = False
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(client, village=kauman.code)
    assert response.status_code == 302, response.content.decode()[:2000]
    member = User.objects.get(username="operator.baru")
    assert (member.role, member.village, member.has_usable_password()) == (
        "operator",
        kauman,
        False,
    )
    (message,) = mail.outbox
    found = re.search(r"https?://[^/]+(/lupa-password/\S+/\S+/)", str(message.body))
    assert found
    link = found.group(1)

    settings.LDM_STAFF_2FA = True
    client.logout()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url, {"new_password1": "Tangguh-Kerja-77", "new_password2": "Tangguh-Kerja-77"}
    )
    client.get(reverse("accounts:staff-login"))
    client.post(
        reverse("accounts:staff-login"),
        {"identifier": "operator.baru", "password": "Tangguh-Kerja-77", "captcha": captcha},
    )
    client.get(reverse("accounts:two-factor"))
    device = EncryptedTOTPDevice.objects.get(user=member)
    client.post(reverse("accounts:two-factor"), {"code": f"{totp(device.bin_key):06d}"})

    assert client.get(reverse("letters:inbox")).status_code == 200


def test_a_village_has_one_active_head_and_a_replaced_heads_letters_still_verify(
    client, district_admin, draft, signing_head, head_passphrase, kauman
):
    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    client.force_login(district_admin)

    refused = _create(client, role=Role.HEAD, village=kauman.code, username="lurah.baru")
    assert refused.status_code == 200
    assert not User.objects.filter(username="lurah.baru").exists()
    _create(client, role=Role.HEAD, village=kauman.code, username="lurah.baru", replace_head="on")

    signing_head.refresh_from_db()
    new_head = User.objects.get(username="lurah.baru")
    assert not signing_head.is_active
    assert new_head.is_active and new_head.is_head
    issued.refresh_from_db()
    assert issued.signer == signing_head
    assert letter_check_upload(issued.document.read()).verdict == "valid"
    page = client.get(reverse("verification:letter", kwargs={"token": issued.verification_token}))
    assert signing_head.full_name.upper() in page.content.decode()
    # The new head signs the next letters with their own certificate.
    signing_credential_issue(user=new_head, passphrase="Lurah-Baru-2026")
    from layanan.letters.tests.factories import LetterRequestFactory

    next_draft = LetterRequestFactory.create(applicant=draft.applicant, status=RequestStatus.KONSEP)
    second = letter_sign(request=next_draft, head=new_head, passphrase="Lurah-Baru-2026")
    assert second.signer == new_head
    assert second.letter_sequence == 2


def test_deactivated_staff_cannot_log_in(client, captcha, district_admin, operator):
    client.force_login(district_admin)
    client.post(
        reverse("backoffice:staff-action", kwargs={"pk": operator.pk, "action": "deactivate"})
    )
    client.logout()

    client.get(reverse("accounts:staff-login"))
    response = client.post(
        reverse("accounts:staff-login"),
        {"identifier": operator.username, "password": "Rahasia-123", "captcha": "4531"},
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "name", ["backoffice:staff-list", "backoffice:staff-create", "backoffice:village-list"]
)
def test_staff_pages_are_for_the_district_admin_only(
    client, name, resident, operator, head, district_admin
):
    statuses = []
    for user in (None, resident, operator, head, district_admin):
        client.logout()
        if user:
            client.force_login(user)
        statuses.append(client.get(reverse(name)).status_code)

    assert statuses == [302, 403, 403, 403, 200]


LETTERHEAD = {
    "address": "Jl. Kauman No. 1",
    "postal_code": "51215",
    "phone": "",
    "email": "",
    "website": "",
    "office_hours": "Senin-Jumat 08.00-15.00",
}


def test_the_admin_edits_any_village_letterhead(client, district_admin, kauman, head):
    client.force_login(district_admin)
    page = client.get(reverse("backoffice:village-edit", kwargs={"code": kauman.code}))
    assert head.full_name in page.content.decode()  # the village's heads, listed beside it

    response = client.post(
        reverse("backoffice:village-edit", kwargs={"code": kauman.code}), LETTERHEAD
    )

    assert response["Location"] == reverse("backoffice:village-list")
    kauman.office.refresh_from_db()
    assert kauman.office.office_hours == "Senin-Jumat 08.00-15.00"


def test_an_operator_edits_the_letterhead_of_their_own_village_only(
    client, operator, kauman, other_village
):
    client.force_login(operator)

    response = client.post(reverse("backoffice:village-office"), LETTERHEAD)

    assert response["Location"] == reverse("backoffice:village-office")
    kauman.office.refresh_from_db()
    assert kauman.office.address == "Jl. Kauman No. 1"
    assert not hasattr(other_village, "office")
