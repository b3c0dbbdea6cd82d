"""A backup restored on a fresh install (another database, another var folder, another
process) still verifies the letters issued before it, keeps the audit chain whole, repairs
counters behind their numbers; it is encrypted, and refuses what it cannot trust.

Backups read the database through a connection of their own (one snapshot), so these tests
commit their data (``transaction=True``)."""

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from layanan.backup.crypto import MAGIC, DecryptingReader, EncryptingWriter
from layanan.backup.services import FILES_PREFIX, FORMAT, MANIFEST_MEMBER, backup_create
from layanan.core.models import Counter

pytestmark = pytest.mark.django_db(transaction=True)

RESTORE_AND_CHECK = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.test import Client
from layanan.accounts.models import User
from layanan.audit.services import audit_chain_verify
from layanan.letters.models import LetterRequest
from layanan.verification.services import _signed_by_us, letter_check_upload

archive, pdf_path, token = sys.argv[1:4]
call_command("backup_restore", archive, verbosity=0)
pdf = open(pdf_path, "rb").read()
check = letter_check_upload(pdf)
letter = LetterRequest.objects.get(verification_token=token)
page = Client().get(f"/v/{token}/")
profile = User.objects.get(username=letter.applicant.username).profile
chain = audit_chain_verify()
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
    "audit_chain_ok": chain.ok,
    "audit_entries_restored": chain.entries > 1,
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
        # The backup opens with the backup key; the PKI's keys with the PKI passphrase.
        LDM_BACKUP_KEY=settings.LDM_BACKUP_KEY,
        LDM_PKI_PASSPHRASE=settings.LDM_PKI_PASSPHRASE,
    )
    return env


def _contents(archive) -> tuple[list[str], dict]:
    """The member names and the manifest of an encrypted backup."""
    opened = DecryptingReader
    with archive.open("rb") as raw, tarfile.open(fileobj=opened(raw), mode="r|gz") as tar:  # type: ignore[call-overload]
        names, manifest = [], {}
        for member in tar:
            names.append(member.name)
            if member.name == MANIFEST_MEMBER:
                manifest = json.load(tar.extractfile(member))
    return names, manifest


def test_a_restored_backup_still_verifies_issued_letters(issued, tmp_path):
    archive = tmp_path / "backup.ldmbackup"
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
        "audit_chain_ok": True,
        "audit_entries_restored": True,
    }
    # The backed-up installation's secret key is accepted there for links it mailed.
    assert settings.SECRET_KEY in (fresh / "secret-key-fallbacks").read_text().split()


def test_the_backup_is_encrypted_private_and_lists_what_it_holds(issued, tmp_path):
    archive = tmp_path / "backup.ldmbackup"
    call_command("backup_create", output=str(archive), stdout=io.StringIO())

    assert archive.stat().st_mode & 0o777 == 0o600
    raw = archive.read_bytes()
    assert raw.startswith(MAGIC)
    assert issued.applicant_nik.encode() not in raw
    assert b"PRIVATE KEY" not in raw and b"%PDF" not in raw
    names, manifest = _contents(archive)
    assert manifest["format"] == FORMAT
    assert names[0] == "database.jsonl" and names[-1] == MANIFEST_MEMBER
    assert f"files/{issued.document.name}" in names
    assert "secrets.json" in names
    assert any("backup key" in item for item in manifest["holds"]["not_included"])
    assert set(manifest["sha256"]) == set(names) - {MANIFEST_MEMBER}
    assert manifest["issued_letters"] == 1
    assert manifest["number_floors"][f"letter:{issued.village_id}:{issued.letter_year}"] == 1
    assert "letters" in manifest["migrations"]


def test_the_audit_chain_keeps_its_microseconds_through_a_backup(issued, tmp_path):
    from layanan.audit.models import AuditEntry

    entry = AuditEntry.objects.order_by("id").last()
    assert entry is not None and entry.created_at.microsecond % 1000  # not whole milliseconds
    archive = tmp_path / "backup.ldmbackup"
    backup_create(output=archive)
    call_command("backup_restore", str(archive), force=True, stdout=io.StringIO())

    call_command("audit_verify", stdout=(out := io.StringIO()))
    assert "intact" in out.getvalue().lower() or "utuh" in out.getvalue().lower()
    assert AuditEntry.objects.get(pk=entry.pk).created_at == entry.created_at


def test_a_counter_behind_its_numbers_is_repaired_at_restore_and_never_blocks_signing(
    issued, tmp_path, resident, operator, signing_head, head_passphrase
):
    from layanan.documents.services import letter_sign
    from layanan.letters.models import LetterType
    from layanan.letters.services import letter_request_accept, letter_request_submit

    name = f"letter:{issued.village_id}:{issued.letter_year}"
    Counter.objects.filter(name=name).update(value=0)  # as an inconsistent copy once left it
    archive = tmp_path / "backup.ldmbackup"
    backup_create(output=archive)
    call_command("backup_restore", str(archive), force=True, stdout=(out := io.StringIO()))

    assert f"Counter {name} was 0" in out.getvalue()
    assert Counter.objects.get(name=name).value == 1
    Counter.objects.filter(name=name).update(value=0)  # and even if it were still behind:
    request = letter_request_submit(
        resident=resident,
        letter_type=LetterType.objects.get(code="SK-DOMISILI"),
        data={"keterangan_lainnya": "", "keperluan": "Melamar Pekerjaan"},
    )
    draft = letter_request_accept(request=request, operator=operator)
    second = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    assert second.letter_sequence == 2


def test_restoring_into_a_database_with_data_is_refused(issued, tmp_path):
    archive = tmp_path / "backup.ldmbackup"
    call_command("backup_create", output=str(archive), stdout=io.StringIO())

    with pytest.raises(CommandError, match="database is not empty"):
        call_command("backup_restore", str(archive), stdout=io.StringIO())


def test_a_backup_that_does_not_open_or_was_changed_is_refused(issued, tmp_path, settings):
    archive = tmp_path / "backup.ldmbackup"
    backup_create(output=archive)
    raw = archive.read_bytes()

    flipped = tmp_path / "flipped.ldmbackup"
    flipped.write_bytes(
        raw[: len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 1]) + raw[len(raw) // 2 + 1 :]
    )
    truncated = tmp_path / "truncated.ldmbackup"
    truncated.write_bytes(raw[: len(raw) - 100])
    not_ours = tmp_path / "other.ldmbackup"
    not_ours.write_bytes(b"PK\x03\x04 something else")

    for path in (flipped, truncated):
        with pytest.raises(CommandError, match="damaged"):
            call_command("backup_restore", str(path), force=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Not an encrypted backup"):
        call_command("backup_restore", str(not_ours), force=True, stdout=io.StringIO())
    settings.LDM_BACKUP_KEY = "another-key-entirely"
    with pytest.raises(CommandError, match="backup key"):
        call_command("backup_restore", str(archive), force=True, stdout=io.StringIO())


def test_backups_into_a_folder_keep_the_newest(issued, tmp_path):
    folder = tmp_path / "cadangan"
    for stamp in ("20260101-030000", "20260102-030000", "20260103-030000"):
        (folder / f"ldm-{stamp}.ldmbackup").parent.mkdir(exist_ok=True)
        (folder / f"ldm-{stamp}.ldmbackup").write_bytes(b"old")

    call_command("backup_create", output_dir=str(folder), keep=2, stdout=io.StringIO())

    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == 2
    assert kept[0] == "ldm-20260103-030000.ldmbackup"


def test_a_letter_already_without_its_pdf_is_named_and_accepted_only_as_it_was(issued, tmp_path):
    # As the lost reply to COMMIT once left letters: issued, the PDF deleted.
    name = issued.document.name
    issued.document.storage.delete(name)
    archive = tmp_path / "backup.ldmbackup"
    summary = backup_create(output=archive)

    assert summary.attempts == 1  # not taken for a file that changed meanwhile
    _names, manifest = _contents(archive)
    assert manifest["inconsistent_at_source"] == {"missing_files": [name], "mismatched_files": []}
    call_command("backup_restore", str(archive), force=True, stdout=(out := io.StringIO()))
    assert "1 issued letters lack their PDF, as they already did" in out.getvalue()


def test_a_restore_refuses_a_letter_without_its_pdf_the_manifest_does_not_name(issued, tmp_path):
    archive = tmp_path / "backup.ldmbackup"
    backup_create(output=archive)
    # The same backup without the letter's PDF, sealed again with the right key: what a
    # dump and a copy of the files taken at different moments would be.
    pdf_member = FILES_PREFIX + issued.document.name
    members = []
    opened = DecryptingReader
    with archive.open("rb") as raw, tarfile.open(fileobj=opened(raw), mode="r|gz") as tar:  # type: ignore[call-overload]
        for member in tar:
            members.append((member, tar.extractfile(member).read()))
    lacking = tmp_path / "lacking.ldmbackup"
    with lacking.open("wb") as raw:
        sealed = EncryptingWriter(raw)
        with tarfile.open(fileobj=sealed, mode="w|gz") as tar:  # type: ignore[call-overload]
            for member, content in members:
                if member.name == pdf_member:
                    continue
                data = content
                if member.name == MANIFEST_MEMBER:
                    manifest = json.loads(content)
                    del manifest["sha256"][pdf_member]
                    data = json.dumps(manifest).encode()
                    member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
        sealed.close()

    with pytest.raises(CommandError, match="1 issued letters lack their PDF"):
        call_command("backup_restore", str(lacking), force=True, stdout=io.StringIO())
