"""A resident's Kewarganegaraan (issue 18): recorded on the profile as the KTP prints it, WNI
unless changed, checked by the operator like the rest of the KTP data, copied to requests."""

import pytest
from django.urls import reverse

from layanan.accounts.choices import Citizenship, ProfileStatus
from layanan.letters.models import LetterType
from layanan.letters.services import letter_request_submit

pytestmark = pytest.mark.django_db


def _profile_post(profile, **overrides) -> dict:
    data = {
        "full_name": profile.user.full_name,
        "birth_place": profile.birth_place,
        "birth_date": profile.birth_date.isoformat(),
        "gender": profile.gender,
        "address": profile.address,
        "rt": profile.rt,
        "rw": profile.rw,
        "phone": profile.phone,
        "kk_number": profile.kk_number,
        "education": profile.education,
        "marital_status": profile.marital_status,
        "district": profile.village.district_id,
        "village": profile.village_id,
        "religion": profile.religion,
        "occupation": profile.occupation,
        "citizenship": profile.citizenship,
    }
    data.update(overrides)
    return data


def test_a_profile_is_wni_unless_the_resident_says_otherwise(client, resident):
    client.force_login(resident)

    page = client.get(reverse("accounts:profile-edit")).content.decode()

    assert resident.profile.citizenship == Citizenship.WNI
    assert '<option value="WNI" selected>WNI</option>' in page
    assert '<option value="WNA">WNA</option>' in page


def test_changing_the_citizenship_sends_a_verified_profile_back_to_the_operator(client, resident):
    profile = resident.profile
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    client.force_login(resident)

    response = client.post(
        reverse("accounts:profile-edit"), _profile_post(profile, citizenship="WNA")
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.citizenship == Citizenship.WNA
    assert profile.status == ProfileStatus.UNVERIFIED


def test_a_page_opened_before_the_field_existed_keeps_the_citizenship(client, resident):
    profile = resident.profile
    profile.citizenship = Citizenship.WNA
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    client.force_login(resident)
    post = _profile_post(profile, phone="081299998888")
    del post["citizenship"]

    response = client.post(reverse("accounts:profile-edit"), post)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.citizenship, profile.phone) == (Citizenship.WNA, "081299998888")
    assert profile.status == ProfileStatus.VERIFIED


def test_the_operator_sees_it_when_verifying(client, resident, operator):
    client.force_login(operator)

    page = client.get(
        reverse("accounts:verification-detail", kwargs={"public_id": resident.profile.public_id})
    ).content.decode()

    assert '<dd class="col-sm-7">WNI</dd>' in page


def test_a_request_carries_the_citizenship_checked(resident, catalogue):
    profile = resident.profile
    profile.citizenship = Citizenship.WNA
    profile.save()

    request = letter_request_submit(
        resident=resident,
        letter_type=LetterType.objects.get(code="SK-DOMISILI"),
        data={"keterangan_lainnya": "", "keperluan": "Melamar pekerjaan"},
    )

    assert request.applicant_citizenship == "WNA"
