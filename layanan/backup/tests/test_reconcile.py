"""Files and rows agree: orphans are quarantined (not backed up, not counted), issued letters
without their PDF are reported."""

import datetime as dt
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from layanan.audit.models import AuditAction, AuditEntry
from layanan.backup.reconcile import QUARANTINE, files_reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(draft, signing_head, head_passphrase):
    from layanan.documents.services import letter_sign

    return letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


def _aged(name: str, hours: float) -> None:
    path = default_storage.path(name)
    then = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_an_orphan_pdf_is_quarantined_and_a_held_one_is_left(issued):
    orphan = default_storage.save("surat/2026/12/20261201-orphan.pdf", ContentFile(b"%PDF-1.7 x"))
    young = default_storage.save("surat/2026/12/20261201-young.pdf", ContentFile(b"%PDF-1.7 y"))
    _aged(orphan, 3)
    _aged(issued.document.name, 3)

    report = files_reconcile()

    assert report.quarantined == [orphan]
    assert not default_storage.exists(orphan)
    assert default_storage.exists(young)  # perhaps a signing still committing
    assert default_storage.exists(issued.document.name)
    moved = [name for name in _listing(QUARANTINE) if name.endswith("20261201-orphan.pdf")]
    assert len(moved) == 1
    assert AuditEntry.objects.filter(action=AuditAction.FILES_QUARANTINED).count() == 1
    assert files_reconcile().quarantined == []  # idempotent


def test_an_issued_letter_without_its_pdf_is_reported(issued):
    default_storage.delete(issued.document.name)

    with pytest.raises(CommandError, match="1 issued letters have no PDF"):
        call_command("files_reconcile", stdout=io.StringIO())


def test_the_health_check_says_degraded_when_an_issued_letter_lacks_its_pdf(issued, client):
    assert client.get("/sehat/").json()["checks"]["letters"] == "ok"
    default_storage.delete(issued.document.name)

    response = client.get("/sehat/")

    assert response.status_code == 200  # the site still serves
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["letters"] == "failed"


def _listing(directory: str) -> list[str]:
    from layanan.backup.reconcile import storage_files

    return storage_files(directory.rstrip("/"))
