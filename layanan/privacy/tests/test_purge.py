"""manage.py privacy_purge: KTP/KK files of idle profiles and what remains of closed accounts
go after their retention periods; audited, idempotent, with a dry run."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.tests.factories import PASSWORD, ResidentProfileFactory
from layanan.audit.models import AuditAction, AuditEntry
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory
from layanan.privacy.models import AccountClosure, CorrectionRequest
from layanan.privacy.services import correction_request_create

pytestmark = pytest.mark.django_db

DAYS = settings.LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS


def _purge(*args: str) -> str:
    out = StringIO()
    call_command("privacy_purge", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def idle_and_active(kauman):
    """Two verified residents, verified long ago; only one of them logged in lately."""
    long_ago = timezone.now() - dt.timedelta(days=DAYS + 10)
    profiles = []
    for last_login in (long_ago, timezone.now() - dt.timedelta(days=3)):
        profile = ResidentProfileFactory.create(
            village=kauman,
            status=ProfileStatus.VERIFIED,
            status_changed_at=long_ago,
            submitted_at=long_ago,
        )
        profile.user.date_joined = long_ago
        profile.user.last_login = last_login
        profile.user.save(update_fields=["date_joined", "last_login"])
        profiles.append(profile)
    return profiles


def test_the_identity_documents_of_idle_profiles_are_deleted(
    idle_and_active, django_capture_on_commit_callbacks
):
    idle, active = idle_and_active
    names = [idle.ktp_file.name, idle.kk_file.name]

    with django_capture_on_commit_callbacks(execute=True):
        output = _purge()

    assert "identity documents of 1 profiles" in output
    idle.refresh_from_db()
    active.refresh_from_db()
    assert not idle.ktp_file and not idle.kk_file
    assert not any(default_storage.exists(name) for name in names)
    assert active.ktp_file and default_storage.exists(active.ktp_file.name)
    # Still verified, and nothing is missing: the resident can go on asking for letters.
    assert idle.status == ProfileStatus.VERIFIED
    assert idle.missing_fields() == []
    entry = AuditEntry.objects.get(action=AuditAction.RETENTION_PURGED)
    assert entry.actor is None
    assert entry.data["identity_documents"] == 1


def test_a_dry_run_changes_nothing_and_a_second_run_does_nothing(idle_and_active):
    idle = idle_and_active[0]

    assert "would purge: identity documents of 1 profiles" in _purge("--dry-run")
    idle.refresh_from_db()
    assert idle.ktp_file
    assert not AuditEntry.objects.filter(action=AuditAction.RETENTION_PURGED).exists()

    _purge()
    second = _purge()

    assert "identity documents of 0 profiles, 0 closed accounts" in second
    assert AuditEntry.objects.filter(action=AuditAction.RETENTION_PURGED).count() == 1


def test_changing_identity_data_later_asks_for_the_documents_again(idle_and_active):
    from layanan.accounts.services import ProfileChanges, profile_update

    idle = idle_and_active[0]
    _purge()
    idle.refresh_from_db()

    profile_update(profile=idle, changes=ProfileChanges(values={"address": "Jl. Baru 1"}))

    idle.refresh_from_db()
    assert idle.status == ProfileStatus.UNVERIFIED
    assert len(idle.missing_fields()) == 2  # KTP and KK


def test_what_remains_of_a_closed_account_goes_after_its_period(
    resident, operator, catalogue, kauman
):
    rejected = LetterRequestFactory.create(
        applicant=resident, status=RequestStatus.DITOLAK, status_note="x"
    )
    issued = LetterRequestFactory.create(applicant=resident, status=RequestStatus.TERBIT)
    correction_request_create(resident=resident, what_is_wrong="a", should_be="b")
    resident.profile.status = ProfileStatus.VERIFIED
    resident.profile.save()
    client = Client()
    client.force_login(resident)
    # A factory's issued letter has no stored PDF: give it one to replace.
    issued.document.save("contoh.pdf", ContentFile(b"%PDF-1.7"))
    client.post(reverse("privacy:close-account"), {"password": PASSWORD, "confirm": "on"})
    closure = AccountClosure.objects.get(user=resident)

    assert "0 closed accounts" in _purge()  # not yet: within the period
    later = timezone.now() + dt.timedelta(days=settings.LDM_RETENTION_CLOSED_ACCOUNTS_DAYS + 1)
    with time_machine.travel(later, tick=False):
        output = _purge()

    assert "1 closed accounts (1 requests)" in output
    assert not LetterRequest.objects.filter(pk=rejected.pk).exists()
    assert LetterRequest.objects.filter(pk=issued.pk, status=RequestStatus.TERBIT).exists()
    assert not CorrectionRequest.objects.exists()
    closure.refresh_from_db()
    assert closure.purged_at is not None
    with time_machine.travel(later, tick=False):
        assert "0 closed accounts" in _purge()


def test_the_scheduler_runs_the_purge_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-purge"]
    assert entry["task"] == "layanan.privacy.tasks.purge_past_retention"

    from layanan.privacy.tasks import purge_past_retention

    assert "purged" in purge_past_retention.delay().get()
