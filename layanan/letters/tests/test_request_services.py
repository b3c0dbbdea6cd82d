import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile
from layanan.core.errors import DomainError
from layanan.letters.models import (
    LetterRequest,
    LetterRequestEvent,
    LetterType,
    RequestAction,
    RequestStatus,
)
from layanan.letters.services import (
    ApplicantData,
    letter_request_accept,
    letter_request_cancel,
    letter_request_register_walk_in,
    letter_request_reject,
    letter_request_submit,
    transition_apply,
)
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db

KEPERLUAN = {"keterangan_lainnya": "", "keperluan": "Mengurus Dokumen Perizinan Berusaha"}


@pytest.fixture
def domisili(catalogue):
    return LetterType.objects.get(code="SK-DOMISILI")


def test_a_resident_submits_a_domisili_request(
    resident, domisili, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = letter_request_submit(resident=resident, letter_type=domisili, data=KEPERLUAN)

    assert re.fullmatch(r"\d{8}00001", request.registration_number)
    assert request.status == RequestStatus.PROSES
    assert request.village == resident.profile.village
    assert request.applicant_nik == resident.username
    assert request.applicant_occupation == "Wiraswasta"
    assert request.applicant_citizenship == "WNI"
    assert request.applicant_address == "Jl. Dr Wahidin RT 004 RW 003"
    assert request.form_schema == domisili.fields
    event = request.events.get()
    assert (event.action, event.actor, event.to_status) == ("submitted", resident, "proses")
    assert mail.outbox[0].to == [resident.email]
    assert resident.username not in mail.outbox[0].subject


def test_registration_numbers_count_per_day(resident, domisili):
    numbers = [
        letter_request_submit(
            resident=resident, letter_type=domisili, data=KEPERLUAN
        ).registration_number
        for _ in range(3)
    ]

    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003"]
    assert len({n[:8] for n in numbers}) == 1


def test_an_incomplete_profile_cannot_submit_and_is_told_what_is_missing(resident, domisili):
    ResidentProfile.objects.filter(user=resident).update(kk_file="", phone="")

    with pytest.raises(DomainError) as refused:
        letter_request_submit(resident=resident, letter_type=domisili, data=KEPERLUAN)

    assert "No. HP" in refused.value.message or "nomor HP" in refused.value.message
    assert "KK" in refused.value.message
    assert not LetterRequest.objects.exists()


def test_a_datang_langsung_type_cannot_be_requested_online(resident, catalogue):
    kelahiran = LetterType.objects.get(code="SP-KELAHIRAN")

    with pytest.raises(DomainError):
        letter_request_submit(resident=resident, letter_type=kelahiran, data=KEPERLUAN)
    assert not LetterRequest.objects.exists()


def test_answers_that_do_not_fit_the_type_are_refused(resident, domisili):
    with pytest.raises(DomainError):
        letter_request_submit(
            resident=resident, letter_type=domisili, data={**KEPERLUAN, "unknown": "x"}
        )
    with pytest.raises(DomainError):
        letter_request_submit(resident=resident, letter_type=domisili, data={"keperluan": " "})


def test_the_operator_accepts_after_verifying_the_profile(resident, operator, domisili):
    request = letter_request_submit(resident=resident, letter_type=domisili, data=KEPERLUAN)

    with pytest.raises(DomainError, match="Verifikasi profil"):
        letter_request_accept(request=request, operator=operator)
    ResidentProfile.objects.filter(user=resident).update(
        status=ProfileStatus.VERIFIED, address="Jl. Dr Wahidin No. 5"
    )
    accepted = letter_request_accept(
        request=request, operator=operator, data={**KEPERLUAN, "keperluan": "Perizinan usaha"}
    )

    assert accepted.status == RequestStatus.KONSEP
    assert accepted.applicant_address.startswith("Jl. Dr Wahidin No. 5")  # refreshed snapshot
    assert accepted.data["keperluan"] == "Perizinan usaha"
    assert list(accepted.events.values_list("action", flat=True)) == [
        "submitted",
        "accepted",
        "corrected",
    ]


def test_a_walk_in_request_without_an_account_starts_in_konsep(operator, catalogue):
    kelahiran = LetterType.objects.get(code="SP-KELAHIRAN")
    applicant = ApplicantData(
        nik="3325114107880002",
        name="Wulan Sari",
        birth_place="BATANG",
        birth_date=dt.date(1988, 7, 1),
        gender="Perempuan",
        religion="Islam",
        marital_status="Kawin Tercatat",
        occupation="Mengurus Rumah Tangga",
        citizenship="WNI",
        address="Jl. Kauman RT 001 RW 002",
    )

    request = letter_request_register_walk_in(
        operator=operator,
        letter_type=kelahiran,
        applicant=applicant,
        data={"nama_anak": "Bayu", "keperluan": "Akta kelahiran"},
    )

    assert request.status == RequestStatus.KONSEP
    assert request.applicant is None
    assert request.village == operator.village
    assert request.events.get().action == "registered"


def test_a_walk_in_for_an_unverified_account_is_refused(operator, resident, domisili):
    with pytest.raises(DomainError):
        letter_request_register_walk_in(
            operator=operator,
            letter_type=domisili,
            applicant=ApplicantData.from_profile(resident.profile),
            data=KEPERLUAN,
            resident=resident,
        )


def test_rejection_needs_a_reason_and_tells_the_resident(
    resident, operator, domisili, django_capture_on_commit_callbacks
):
    request = letter_request_submit(resident=resident, letter_type=domisili, data=KEPERLUAN)

    with pytest.raises(DomainError):
        letter_request_reject(request=request, operator=operator, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = letter_request_reject(request=request, operator=operator, reason="Data RT salah")

    assert rejected.status == RequestStatus.DITOLAK
    assert rejected.status_note == "Data RT salah"
    assert "Data RT salah" in mail.outbox[-1].body


def test_the_resident_cancels_while_in_proses_only(resident, operator, domisili):
    request = letter_request_submit(resident=resident, letter_type=domisili, data=KEPERLUAN)
    ResidentProfile.objects.filter(user=resident).update(status=ProfileStatus.VERIFIED)
    letter_request_accept(request=request, operator=operator)

    with pytest.raises(DomainError):
        letter_request_cancel(request=request, resident=resident)
    other = letter_request_submit(resident=resident, letter_type=domisili, data=KEPERLUAN)
    assert letter_request_cancel(request=other, resident=resident).status == "dibatalkan"


# --- The lifecycle table, exhaustively -----------------------------------------------------

LEGAL = {
    # (from status, action, actor) that are allowed; everything else is refused.
    ("proses", "accepted", "operator"),
    ("proses", "rejected", "operator"),
    ("konsep", "rejected", "operator"),
    ("proses", "cancelled", "owner"),
    ("konsep", "returned", "head"),
    ("konsep", "issued", "head"),
    ("terbit", "revoked", "operator"),
    ("terbit", "revoked", "head"),
    ("terbit", "revoked", "admin"),
}
ACTIONS = ["accepted", "rejected", "cancelled", "returned", "issued", "revoked"]


@pytest.mark.parametrize("status", RequestStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_not_in_the_table_is_refused_and_changes_nothing(
    status, action, actors, resident, catalogue
):
    ResidentProfile.objects.filter(user=resident).update(status=ProfileStatus.VERIFIED)
    request = LetterRequestFactory.create(applicant=resident, status=status, status_note="alasan")
    accounts = {name: user for name, user in actors.items() if user is not None}
    for name, actor in accounts.items():
        before = LetterRequest.objects.get(pk=request.pk)
        events = LetterRequestEvent.objects.count()
        try:
            after = transition_apply(
                request=request, action=action, actor=actor, note="catatan", **_issue(action)
            )
        except DomainError:
            allowed = False
        else:
            allowed = True
            # Undo, so that the next actor starts from the same state.
            LetterRequest.objects.filter(pk=request.pk).update(
                status=before.status,
                status_note=before.status_note,
                **{k: getattr(before, k) for k in _issue(action)},
            )
            assert after.status != before.status or action == RequestAction.RETURNED
        assert allowed == ((status, action, name) in LEGAL), (status, action, name)
        if not allowed:
            unchanged = LetterRequest.objects.get(pk=request.pk)
            assert (unchanged.status, unchanged.status_note) == (before.status, before.status_note)
            assert LetterRequestEvent.objects.count() == events


def _issue(action: str) -> dict:
    """What signing sets along with TERBIT (the database refuses TERBIT without it)."""
    if action != RequestAction.ISSUED:
        return {}
    return {
        "letter_number": "470/999/XI/2022",
        "letter_year": 2022,
        "letter_sequence": 999,
        "issued_at": timezone.now(),
        "valid_until": dt.date(2022, 12, 1),
        "document": "surat/x.pdf",
        "document_sha256": "cd" * 32,
        "verification_token": "t" * 20,
    }


def test_terbit_straight_from_proses_is_refused(resident, head, catalogue):
    request = LetterRequestFactory.create(applicant=resident, status=RequestStatus.PROSES)

    with pytest.raises(DomainError, match="Proses"):
        transition_apply(request=request, action=RequestAction.ISSUED, actor=head)
