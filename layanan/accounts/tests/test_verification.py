import pytest
from django.core import mail
from django.urls import reverse

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.services import profile_reject, profile_verify
from layanan.accounts.tests.factories import ResidentProfileFactory
from layanan.audit.models import AuditEntry
from layanan.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _detail(profile):
    return reverse("accounts:verification-detail", kwargs={"public_id": profile.public_id})


def test_the_operator_sees_the_waiting_profiles_of_their_village_only(
    client, operator, resident, other_village
):
    elsewhere = ResidentProfileFactory.create(village=other_village)
    incomplete = ResidentProfileFactory.create(village=operator.village, kk_file="")
    client.force_login(operator)

    html = client.get(reverse("accounts:verification-list")).content.decode()

    assert resident.full_name in html
    assert elsewhere.user.full_name not in html
    assert incomplete.user.full_name not in html


def test_the_operator_verifies_a_profile_and_the_resident_is_told(
    client, operator, resident, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    profile = resident.profile
    client.get(_detail(profile))
    client.get(
        reverse(
            "accounts:verification-document",
            kwargs={"public_id": profile.public_id, "kind": "ktp"},
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:verification-verify", kwargs={"public_id": profile.public_id})
        )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.VERIFIED
    assert profile.status_changed_by == operator
    (message,) = mail.outbox
    assert message.to == [resident.email]
    actions = list(AuditEntry.objects.values_list("action", "actor", "subject"))
    assert actions == [
        ("profile.viewed", operator.pk, resident.pk),
        ("profile.document_viewed", operator.pk, resident.pk),
        ("profile.verified", operator.pk, resident.pk),
    ]
    client.force_login(resident)
    assert "Terverifikasi" in client.get(reverse("accounts:profile")).content.decode()


def test_a_rejection_needs_a_reason_which_the_resident_reads(
    client, operator, resident, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    url = reverse("accounts:verification-reject", kwargs={"public_id": resident.profile.public_id})

    assert client.post(url, {"reason": "  "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Foto KTP buram, mohon unggah ulang."})

    profile = resident.profile
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.REJECTED
    assert "Foto KTP buram" in mail.outbox[0].body
    client.force_login(resident)
    assert "Foto KTP buram" in client.get(reverse("letters:dashboard")).content.decode()


def test_an_operator_of_another_village_cannot_act(client, other_operator, resident):
    client.force_login(other_operator)
    profile = resident.profile

    assert client.get(_detail(profile)).status_code == 404
    response = client.post(
        reverse("accounts:verification-verify", kwargs={"public_id": profile.public_id})
    )
    assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.UNVERIFIED
    with pytest.raises(DomainError):
        profile_verify(profile=profile, actor=other_operator)


def test_heads_and_residents_cannot_verify(head, resident, other_resident):
    for actor in (head, other_resident, resident):
        with pytest.raises(DomainError):
            profile_verify(profile=resident.profile, actor=actor)
    assert not AuditEntry.objects.exists()


def test_an_incomplete_profile_cannot_be_verified(operator, kauman):
    profile = ResidentProfileFactory.create(village=kauman, ktp_file="")

    with pytest.raises(DomainError, match="belum lengkap"):
        profile_verify(profile=profile, actor=operator)


def test_a_verified_profile_is_not_verified_twice(operator, resident):
    profile_verify(profile=resident.profile, actor=operator)

    with pytest.raises(DomainError, match="sudah"):
        profile_verify(profile=resident.profile, actor=operator)
    assert AuditEntry.objects.filter(action="profile.verified").count() == 1


def test_a_rejected_profile_cannot_be_rejected_again(operator, resident):
    profile_reject(profile=resident.profile, actor=operator, reason="KK tidak terbaca")

    with pytest.raises(DomainError):
        profile_reject(profile=resident.profile, actor=operator, reason="lagi")
