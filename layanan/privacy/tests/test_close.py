"""Closing an account: no NIK, name, file or email of the resident stays in any table or in
storage; their letters still verify by status; requests in progress are handled first."""

import io
import os
from pathlib import Path

import pypdf
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import connection, models
from django.test import Client
from django.urls import reverse

from layanan.accounts.tests.factories import PASSWORD
from layanan.audit.models import AuditAction, AuditEntry
from layanan.audit.services import audit_chain_verify
from layanan.documents.models import LetterArchive
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory
from layanan.privacy.models import AccountClosure
from layanan.privacy.services import correction_request_create
from layanan.privacy.tests.conftest import OTHER_NAME, RESIDENT_EMAIL, RESIDENT_KK, RESIDENT_NAME

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.FileField,
)


def _tables_holding(needle: str) -> list[str]:
    """Every table.column whose text holds ``needle`` (case-insensitive), over every model."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if not isinstance(field, TEXT_FIELDS):
                    continue
                column = connection.ops.quote_name(str(field.column))
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE LOWER(CAST({column} AS TEXT)) LIKE %s",
                    [f"%{needle.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{field.column}")
    return found


def _stored_files() -> list[str]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [
        str(Path(folder, name).relative_to(root))
        for folder, _dirs, names in os.walk(root)
        for name in names
    ]


@pytest.fixture(autouse=True)
def files_before() -> set[str]:
    """What the session's storage held before this test (other tests' files, some under
    keys of their own): only what this test stored is searched."""
    return set(_stored_files())


def _stored_text(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    if name.endswith(".pdf"):
        # The storage is the test session's: other tests leave files in it, some of them
        # PDFs only by name (an orphan "%PDF-1.7 x" of the reconciliation's test); those
        # are searched as bytes.
        try:
            reader = pypdf.PdfReader(io.BytesIO(content))
            return " ".join(page.extract_text() or "" for page in reader.pages)
        except pypdf.errors.PyPdfError:
            pass
    return content.decode("latin-1")


@pytest.fixture
def closing(named, issued, operator, other_resident):
    """The resident has an issued letter, a request still waiting (Proses), a rejected one
    whose reason names them, a correction request; staff opened their KTP."""
    resident = named[0]
    waiting = LetterRequestFactory.create(applicant=resident)
    rejected = LetterRequestFactory.create(
        applicant=resident,
        status=RequestStatus.DITOLAK,
        status_note=f"Nama {RESIDENT_NAME} tidak sesuai KK {RESIDENT_KK}",
    )
    correction_request_create(
        resident=resident, what_is_wrong=f"Nama saya {RESIDENT_NAME}", should_be="Sri Wiratama"
    )
    client = Client()
    client.force_login(operator)
    client.get(
        reverse(
            "accounts:verification-document",
            kwargs={"public_id": resident.profile.public_id, "kind": "ktp"},
        )
    )
    other_request = LetterRequestFactory.create(applicant=other_resident)
    return resident, issued, waiting, rejected, other_request


def _close(client: Client, password: str = PASSWORD):
    return client.post(reverse("privacy:close-account"), {"password": password, "confirm": "on"})


def test_closing_leaves_nothing_of_the_resident_in_the_database_or_storage(
    closing, django_capture_on_commit_callbacks, files_before
):
    resident, issued, _waiting, _rejected, other_request = closing
    nik = resident.username
    files = [resident.profile.ktp_file.name, resident.profile.kk_file.name, issued.document.name]
    assert _tables_holding(nik) and _tables_holding(RESIDENT_EMAIL)  # the search finds them
    client = Client()
    client.force_login(resident)
    elsewhere = Client()  # the same account logged in on another device
    elsewhere.force_login(resident)

    with django_capture_on_commit_callbacks(execute=True):
        response = _close(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("content:home")
    for needle in (nik, RESIDENT_NAME, RESIDENT_EMAIL, RESIDENT_KK):
        assert _tables_holding(needle) == [], needle
    stored = [name for name in _stored_files() if name not in files_before]
    assert not set(files) & set(_stored_files())
    for name in stored:
        text = _stored_text(name)
        assert nik not in text and RESIDENT_NAME not in text, name
    # Sessions ended: none left in the database, the other device is logged out.
    assert all(
        s.get_decoded().get("_auth_user_id") != str(resident.pk) for s in Session.objects.all()
    )
    assert elsewhere.get(reverse("privacy:my-data")).status_code == 302
    # Everyone else's data is untouched.
    other_request.refresh_from_db()
    assert other_request.applicant_name == OTHER_NAME
    assert _tables_holding(OTHER_NAME)


def test_the_letters_still_verify_by_status(closing):
    resident, issued, *_ = closing
    client = Client()
    client.force_login(resident)
    _close(client)

    page = Client().get(reverse("verification:letter", kwargs={"token": issued.verification_token}))

    assert page.status_code == 200
    html = page.content.decode()
    assert issued.letter_number in html
    assert issued.letter_type.name in html
    assert issued.signer_name.upper() in html
    assert "data-applicant-erased" in html
    assert RESIDENT_NAME.upper() not in html
    letter = LetterRequest.objects.get(pk=issued.pk)
    assert letter.status == RequestStatus.TERBIT
    assert letter.applicant_erased
    assert letter.document_sha256 == issued.document_sha256  # the holder's copy is recognised
    assert not LetterArchive.objects.filter(request=letter).exists()
    # The register keeps a sheet with the letter's facts in place of the letter.
    sheet = _stored_text(str(letter.document.name))
    assert issued.letter_number in sheet


def test_closing_cancels_waiting_requests_and_is_audited(closing):
    resident, _issued, waiting, rejected, _other = closing
    client = Client()
    client.force_login(resident)
    _close(client)

    waiting.refresh_from_db()
    rejected.refresh_from_db()
    assert waiting.status == RequestStatus.DIBATALKAN
    assert rejected.status_note == "Nama [dihapus] tidak sesuai KK [dihapus]"
    closure = AccountClosure.objects.get(user=resident)
    assert (closure.requests_cancelled, closure.letters_kept) == (1, 1)
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_CLOSED)
    assert entry.subject_id == resident.pk
    assert entry.data == {"requests_cancelled": 1, "letters_kept": 1}
    assert audit_chain_verify().ok  # the audit log was appended to, never rewritten
    resident.refresh_from_db()
    assert not resident.is_active
    assert not resident.has_usable_password()


def test_a_wrong_password_closes_nothing(closing):
    resident = closing[0]
    client = Client()
    client.force_login(resident)

    response = _close(client, password="salah-sekali")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    resident.refresh_from_db()
    assert resident.is_active and resident.full_name == RESIDENT_NAME
    assert not AccountClosure.objects.exists()


def test_closing_waits_for_a_request_the_village_is_drafting(named, operator, catalogue, kauman):
    resident = named[0]
    drafting = LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
    client = Client()
    client.force_login(resident)

    page = client.get(reverse("privacy:close-account"))
    response = _close(client)

    assert drafting.registration_number in page.content.decode()
    assert response.status_code == 200
    assert drafting.registration_number in " ".join(response.context["form"].non_field_errors())
    resident.refresh_from_db()
    assert resident.is_active and resident.email == RESIDENT_EMAIL
    assert resident.profile.ktp_file


def test_a_closed_account_cannot_log_in_and_its_nik_can_register_again(closing):
    resident = closing[0]
    nik = resident.username
    client = Client()
    client.force_login(resident)
    _close(client)

    assert not Client().login(username=nik, password=PASSWORD)
    from layanan.accounts.models import User

    assert not User.objects.filter(username=nik).exists()
