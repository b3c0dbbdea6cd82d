"""Correction requests: the resident asks, the village operator sees it with its 3 x 24-hour
deadline (overdue ones marked), answers done or refused with a reason, the resident sees it."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from layanan.audit.models import AuditAction, AuditEntry
from layanan.notifications.models import OutgoingEmail
from layanan.privacy.models import CorrectionRequest, CorrectionStatus

pytestmark = pytest.mark.django_db

ASKED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def asked(resident):
    with time_machine.travel(ASKED, tick=False):
        response = _client(resident).post(
            reverse("privacy:correction-create"),
            {"what_is_wrong": "Tempat lahir tertulis BATANG", "should_be": "PEKALONGAN"},
        )
    assert response.status_code == 302
    return CorrectionRequest.objects.get()


def test_the_request_is_due_in_three_times_24_hours_and_audited(asked, resident, kauman):
    assert asked.status == CorrectionStatus.OPEN
    assert asked.village == kauman
    assert asked.due_at - asked.created_at == dt.timedelta(hours=72)
    entry = AuditEntry.objects.get(action=AuditAction.CORRECTION_REQUESTED)
    assert entry.subject_id == resident.pk
    assert entry.data == {}  # the text stays in its own row, never in the audit log


def test_the_operator_sees_it_with_its_deadline_and_overdue_ones_marked(asked, operator):
    with time_machine.travel(ASKED + dt.timedelta(hours=71), tick=False):
        in_time = _client(operator).get(reverse("privacy:staff-corrections")).content.decode()
    with time_machine.travel(ASKED + dt.timedelta(hours=73), tick=False):
        late = _client(operator).get(reverse("privacy:staff-corrections")).content.decode()

    assert "PEKALONGAN" in in_time
    due = timezone.localtime(asked.due_at)
    assert f"{due:%H.%M}" in in_time or f"{due:%H:%M}" in in_time
    assert "data-overdue" not in in_time
    assert "data-overdue" in late


def test_another_villages_operator_neither_sees_nor_answers_it(asked, other_operator):
    client = _client(other_operator)

    assert "PEKALONGAN" not in client.get(reverse("privacy:staff-corrections")).content.decode()
    response = client.post(
        reverse("privacy:staff-correction-decide", kwargs={"pk": asked.pk}),
        {"outcome": "selesai"},
    )
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.is_open


def test_a_refusal_needs_a_reason(asked, operator):
    client = _client(operator)
    url = reverse("privacy:staff-correction-decide", kwargs={"pk": asked.pk})

    client.post(url, {"outcome": "ditolak", "note": "  "})
    asked.refresh_from_db()
    assert asked.is_open

    client.post(url, {"outcome": "ditolak", "note": "Sesuai KTP yang terdaftar: BATANG"})
    asked.refresh_from_db()
    assert asked.status == CorrectionStatus.REFUSED
    assert asked.decided_by == operator
    assert AuditEntry.objects.filter(action=AuditAction.CORRECTION_REFUSED).count() == 1


def test_done_is_told_to_the_resident_and_shown_on_their_page(asked, operator, resident):
    with time_machine.travel(ASKED + dt.timedelta(hours=80), tick=False):
        _client(operator).post(
            reverse("privacy:staff-correction-decide", kwargs={"pk": asked.pk}),
            {"outcome": "selesai", "note": "Sudah dibetulkan di register."},
        )

    asked.refresh_from_db()
    assert asked.status == CorrectionStatus.DONE
    entry = AuditEntry.objects.get(action=AuditAction.CORRECTION_DONE)
    assert entry.data == {"overdue": True}
    assert OutgoingEmail.objects.filter(to=resident.email, kind="correction_decided").exists()
    page = _client(resident).get(reverse("privacy:my-data")).content.decode()
    assert "Sudah dibetulkan di register." in page
    # Answered once: a second answer changes nothing.
    _client(operator).post(
        reverse("privacy:staff-correction-decide", kwargs={"pk": asked.pk}),
        {"outcome": "ditolak", "note": "x"},
    )
    asked.refresh_from_db()
    assert asked.status == CorrectionStatus.DONE


def test_an_empty_request_is_refused_with_a_message(resident):
    response = _client(resident).post(
        reverse("privacy:correction-create"), {"what_is_wrong": "", "should_be": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CorrectionRequest.objects.exists()
