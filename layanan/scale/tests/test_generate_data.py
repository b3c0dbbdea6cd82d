"""`generate_data`: fictional data that the site itself could have written."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, Role, User
from layanan.accounts.nik import nik_facts
from layanan.letters.models import LetterRequest, LetterRequestEvent, RequestStatus
from layanan.scale.services import data_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(batang):
    return data_generate(residents=300, requests=1500, seed=7)


def test_residents_have_valid_niks_matching_their_profiles(generated):
    residents = User.objects.filter(role=Role.RESIDENT).select_related("profile__village")

    assert residents.count() == 300
    for user in residents:
        facts = nik_facts(user.username)
        profile = user.profile
        assert facts.matches_birth_date(profile.birth_date)
        assert facts.is_female == (profile.gender == "P")
        assert profile.village is not None
        assert profile.village.district_id.replace(".", "") == user.username[:6]
    assert ResidentProfile.objects.filter(status=ProfileStatus.VERIFIED).count() > 200


def test_every_village_has_staff_and_requests_spread_over_them(generated):
    assert User.objects.filter(role=Role.HEAD).count() == 248
    assert User.objects.filter(role=Role.OPERATOR).count() == 2 * 248
    assert LetterRequest.objects.count() == 1500
    assert LetterRequest.objects.order_by().values("village").distinct().count() > 150
    statuses = set(LetterRequest.objects.values_list("status", flat=True).distinct())
    assert statuses == set(RequestStatus.values)


def test_issued_letters_are_complete_and_unique(generated):
    issued = LetterRequest.objects.filter(status__in=["terbit", "dicabut"])

    assert issued.exists()
    assert not issued.filter(verification_token__isnull=True).exists()
    assert issued.values("document_sha256").distinct().count() == issued.count()
    duplicates = (
        issued.values("village", "letter_year", "letter_sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    letter = issued.first()
    assert letter is not None
    assert letter.document.read().startswith(b"%PDF")
    assert LetterRequestEvent.objects.filter(request=letter, action="issued").exists()


def test_the_site_numbers_on_after_generated_data(generated, resident, catalogue):
    from layanan.letters.models import LetterType
    from layanan.letters.services import letter_request_submit

    submitted = letter_request_submit(
        resident=resident,
        letter_type=LetterType.objects.get(code="SK-DOMISILI"),
        data={"keterangan_lainnya": "", "keperluan": "Uji"},
    )

    assert (
        LetterRequest.objects.filter(registration_number=submitted.registration_number).count() == 1
    )


def test_the_command_adds_to_what_is_there(batang):
    out = io.StringIO()
    call_command("generate_data", "--scale", "0.0005", "--seed", "1", stdout=out)
    call_command("generate_data", "--scale", "0.0005", "--seed", "2", stdout=out)

    assert User.objects.filter(role=Role.RESIDENT).count() == 200
    assert LetterRequest.objects.count() == 1000
    assert User.objects.filter(role=Role.HEAD).count() == 248  # one head per village, still
    assert "Generated 100 residents" in out.getvalue()


def test_the_generator_names_a_field_it_gives_no_value_for():
    """Its columns come from the models: a new required field stops it, with the field's
    name, instead of rows written without that column."""
    from layanan.scale.services import _Table

    with pytest.raises(ValueError, match=r"User\.full_name"):
        _Table(User, {"username", "password"})
    with pytest.raises(ValueError, match="has no field nickname"):
        _Table(User, {"username", "nickname"})
