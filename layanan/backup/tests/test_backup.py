"""A backup restored on a fresh install (another database, another var folder, another
process) still verifies the letters issued before it."""

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from layanan.backup.services import FORMAT, MANIFEST_MEMBER

pytestmark = pytest.mark.django_db

RESTORE_AND_CHECK = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.test import Client
from layanan.accounts.models import User
from layanan.letters.models import LetterRequest
from layanan.verification.services import _signed_by_us, letter_check_upload

archive, pdf_path, token = sys.argv[1:4]
call_command("backup_restore", archive, verbosity=0)
pdf = open(pdf_path, "rb").read()
check = letter_check_upload(pdf)
letter = LetterRequest.objects.get(verification_token=token)
page = Client().get(f"/v/{token}/")
profile = User.objects.get(username=letter.applicant.username).profile
print(json.dumps({
    "verdict": check.verdict,
    "number": check.letter.letter_number,
    "signed_by_our_ca": _signed_by_us(pdf),
    "page": page.status_code,
    "page_shows_number": letter.letter_number in page.content.decode(),
    "stored_pdf_identical": letter.document.read() == pdf,
    "ktp_restored": len(profile.ktp_file.read()) > 0,
    "can_log_in": letter.applicant.check_password("Rahasia-123"),
    "pki_answers": Client().get("/pki/crl").status_code == 200,
}))
"""


@pytest.fixture
def issued(draft, signing_head, head_passphrase):
    from layanan.documents.services import letter_sign

    return letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


def _fresh_install_env(root) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        LDM_VAR_DIR=str(root),
        DJANGO_ALLOWED_HOSTS="testserver",
        LDM_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    # The PKI's keys come back encrypted: the backed-up installation's passphrase opens them.
    env["LDM_PKI_PASSPHRASE"] = settings.LDM_PKI_PASSPHRASE
    return env


def test_a_restored_backup_still_verifies_issued_letters(issued, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_create", output=str(archive), stdout=io.StringIO())
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(issued.document.read())
    fresh = tmp_path / "fresh"
    fresh.mkdir()

    token = issued.verification_token
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", RESTORE_AND_CHECK, str(archive), str(pdf), token],
        cwd=settings.BASE_DIR,
        env=_fresh_install_env(fresh),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "verdict": "valid",
        "number": issued.letter_number,
        "signed_by_our_ca": True,
        "page": 200,
        "page_shows_number": True,
        "stored_pdf_identical": True,
        "ktp_restored": True,
        "can_log_in": True,
        "pki_answers": True,
    }


def test_the_archive_is_private_and_lists_its_members(issued, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_create", output=str(archive), stdout=io.StringIO())

    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest_file = opened.extractfile(MANIFEST_MEMBER)
        assert manifest_file is not None
        manifest = json.load(manifest_file)
    assert manifest["format"] == FORMAT
    assert "database.json" in names
    assert f"files/{issued.document.name}" in names
    assert not [name for name in names if name.startswith("ca/")]  # the PKI is in the database
    assert (
        "the PKI passphrase (LDM_PKI_PASSPHRASE or its file): configuration"
        in (manifest["holds"]["not_included"])
    )
    assert set(manifest["sha256"]) == set(names) - {MANIFEST_MEMBER}
    assert "layanan.letters" not in manifest["migrations"]  # app labels, not module paths
    assert "letters" in manifest["migrations"]


def test_restoring_into_a_database_with_data_is_refused(issued, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_create", output=str(archive), stdout=io.StringIO())

    with pytest.raises(CommandError, match="database is not empty"):
        call_command("backup_restore", str(archive), stdout=io.StringIO())


def test_a_damaged_archive_is_refused(tmp_path):
    archive = tmp_path / "damaged.tar.gz"
    manifest = json.dumps({"format": FORMAT, "sha256": {"database.json": "0" * 64}}).encode()
    with tarfile.open(archive, "w:gz") as opened:
        for name, data in ((MANIFEST_MEMBER, manifest), ("database.json", b"[]")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            opened.addfile(info, io.BytesIO(data))

    with pytest.raises(CommandError, match="damaged"):
        call_command("backup_restore", str(archive), stdout=io.StringIO())


def test_an_archive_whose_manifest_is_not_a_file_is_refused(tmp_path):
    archive = tmp_path / "odd.tar.gz"
    with tarfile.open(archive, "w:gz") as opened:
        info = tarfile.TarInfo(MANIFEST_MEMBER)
        info.type = tarfile.DIRTYPE
        opened.addfile(info)

    with pytest.raises(CommandError, match="no manifest"):
        call_command("backup_restore", str(archive), stdout=io.StringIO())
