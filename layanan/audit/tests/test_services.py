from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from layanan.audit.models import AuditAction, AuditEntry
from layanan.audit.services import GENESIS_HASH, _entry_hash, audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(operator, resident):
    return [
        audit_record(
            actor=operator,
            action=AuditAction.DOCUMENT_VIEWED,
            village=operator.village,
            subject=resident,
            target=resident.profile,
            data={"document": kind},
        )
        for kind in ("ktp", "kk", "ktp")
    ]


def test_entries_form_a_chain(entries):
    assert entries[0].previous_hash == GENESIS_HASH
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash
    report = audit_chain_verify()
    assert report.ok
    assert report.entries == 3


def test_an_edited_entry_breaks_the_chain(entries):
    AuditEntry.objects.filter(pk=entries[1].pk).update(data={"document": "kk-edited"})

    report = audit_chain_verify()

    assert report.broken_at == entries[1].pk
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify", stdout=StringIO())


def test_a_rehashed_edit_is_caught_by_the_next_entry(entries):
    """An editor who recomputes the edited entry's hash and relinks the next entry still
    breaks the chain: the next entry's own hash covers the link it holds."""
    edited = entries[1]
    AuditEntry.objects.filter(pk=edited.pk).update(data={"document": "kk-edited"})
    edited.refresh_from_db()
    new_hash = _entry_hash(edited)
    AuditEntry.objects.filter(pk=edited.pk).update(entry_hash=new_hash)
    AuditEntry.objects.filter(pk=entries[2].pk).update(previous_hash=new_hash)

    report = audit_chain_verify()

    assert report.broken_at == entries[2].pk
    assert report.reason == "its content was altered"


def test_a_deleted_entry_breaks_the_chain(entries):
    AuditEntry.objects.filter(pk=entries[1].pk).delete()

    assert audit_chain_verify().broken_at == entries[2].pk


def test_deleting_the_newest_entry_is_detected_too(entries):
    AuditEntry.objects.filter(pk=entries[2].pk).delete()

    assert not audit_chain_verify().ok


def test_the_command_reports_an_intact_chain(entries):
    out = StringIO()
    call_command("audit_verify", stdout=out)

    assert "3 entries" in out.getvalue()
