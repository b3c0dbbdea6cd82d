"""Private files encrypted at rest (layanan.core.crypto, layanan.core.storage): what lies on
disk or in the bucket is ciphertext; what the storage gives back is the file, byte for byte;
keys rotate; files from before open and get encrypted; var/ is the installation's own."""

import base64
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import FileResponse
from django.urls import reverse

from layanan.accounts.models import ResidentProfile
from layanan.accounts.tests.factories import jpeg_bytes
from layanan.accounts.tests.test_profile import _form
from layanan.audit.models import AuditAction, AuditEntry
from layanan.backup.file_keys import file_key_rotate, files_encrypt
from layanan.core.crypto import (
    CHUNK,
    MAGIC,
    FileDamaged,
    FileKeyError,
    file_keyring,
    header_read,
)
from layanan.core.storage import PrivateFileSystemStorage
from layanan.core.tests.test_storage import BUCKET, CREDENTIALS, s3_server  # noqa: F401 - a fixture
from layanan.documents.services import letter_sign
from layanan.verification.services import letter_check_upload

JPEG = b"\xff\xd8\xff"
PDF = b"%PDF"


def _key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def _stored(name: str | None) -> bytes:
    assert name
    return Path(default_storage.path(name)).read_bytes()


@pytest.fixture
def own_storage(settings, tmp_path):
    """A storage and var/ of this test alone: rotation walks every file of the storage."""
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "layanan.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return storages["default"]


# --- What lies on disk ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_uploaded_ktp_is_ciphertext_on_disk_and_the_same_jpeg_through_the_storage(
    client, resident, operator, kauman
):
    profile = ResidentProfile.objects.get(user=resident)
    client.force_login(resident)

    data = _form(
        kauman,
        full_name=resident.full_name,
        birth_date=profile.birth_date.isoformat(),
        gender=profile.gender,
    )
    data["ktp_upload"] = SimpleUploadedFile("ktp.jpg", jpeg_bytes(size=(400, 250)), "image/jpeg")
    data["kk_upload"] = SimpleUploadedFile("kk.jpg", jpeg_bytes(), "image/jpeg")
    response = client.post(reverse("accounts:profile-edit"), data)
    assert response.status_code == 302, response.content.decode()

    profile.refresh_from_db()
    stored = _stored(profile.ktp_file.name)
    with profile.ktp_file.open("rb") as handle:
        content = handle.read()
    assert stored.startswith(MAGIC)
    assert JPEG not in stored
    assert content.startswith(JPEG)
    assert profile.ktp_file.size == len(content) < len(stored)
    own = client.get(reverse("accounts:own-document", kwargs={"kind": "ktp"}))
    assert b"".join(own.streaming_content) == content
    assert own["Content-Length"] == str(len(content))


@pytest.mark.django_db
def test_an_issued_pdf_is_ciphertext_on_disk_and_downloads_and_verifies_as_issued(
    client, draft, signing_head, head_passphrase, resident
):

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    stored = _stored(issued.document.name)
    client.force_login(resident)
    response = client.get(
        reverse("documents:download", kwargs={"number": issued.registration_number})
    )
    downloaded = b"".join(response.streaming_content)

    assert PDF not in stored
    assert downloaded.startswith(PDF)
    assert response["Content-Length"] == str(len(downloaded))
    assert downloaded == issued.document.read()
    assert letter_check_upload(downloaded).verdict == "valid"


def test_content_of_every_size_reads_back_and_seeks(tmp_path):
    storage = PrivateFileSystemStorage(location=tmp_path)
    for size in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 100_000):
        content = os.urandom(size)
        name = storage.save("surat/x.pdf", ContentFile(content))

        assert storage.size(name) == size
        with storage.open(name, "rb") as handle:
            assert handle.read() == content
            handle.seek(size // 2)
            assert handle.read(7) == content[size // 2 : size // 2 + 7]
        handle = storage.open(name, "rb")
        response = FileResponse(handle)
        assert response["Content-Length"] == str(size)
        assert response.getvalue() == content
        handle.close()


def test_a_changed_or_truncated_file_does_not_open_as_garbage(tmp_path):
    storage = PrivateFileSystemStorage(location=tmp_path)
    name = storage.save("identitas/kk.pdf", ContentFile(b"%PDF-1.7 " + os.urandom(3 * CHUNK)))
    path = Path(storage.path(name))
    original = path.read_bytes()

    changed = bytearray(original)
    changed[-CHUNK] ^= 1
    path.write_bytes(bytes(changed))
    with pytest.raises(FileDamaged, match="damaged"), storage.open(name) as handle:
        handle.read()

    path.write_bytes(original[: len(original) - CHUNK - 16])  # the last chunk dropped
    with pytest.raises(FileDamaged), storage.open(name) as handle:
        handle.read()


# --- Keys -------------------------------------------------------------------------------------


def test_a_missing_or_wrong_key_is_said_to_be_one(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    storage = PrivateFileSystemStorage(location=tmp_path / "private")
    settings.LDM_FILE_KEYS = [_key("2026")]
    name = storage.save("identitas/ktp.jpg", ContentFile(jpeg_bytes()))

    settings.LDM_FILE_KEYS = [_key("2027")]
    with pytest.raises(FileKeyError, match="'2026', which LDM_FILE_KEYS does not hold"):
        storage.open(name)
    settings.LDM_FILE_KEYS = [_key("2026")]  # the same name, another key
    with pytest.raises(FileKeyError, match="not the key the file was encrypted under"):
        storage.open(name)


def test_a_malformed_keyring_is_refused_without_showing_the_key(settings):

    settings.LDM_FILE_KEYS = ["2026:c2hvcnQ="]
    with pytest.raises(ImproperlyConfigured, match="entry 1 must be 'id:key'") as refused:
        file_keyring()
    assert "c2hvcnQ" not in str(refused.value)


@pytest.mark.django_db
def test_rotation_rewraps_every_file_under_the_newest_key_and_old_files_still_open(
    settings, own_storage
):
    old, new = _key("2026"), _key("2027")
    settings.LDM_FILE_KEYS = [old]
    contents = {f"surat/{n}.pdf": b"%PDF-1.7 " + os.urandom(n * 40_000) for n in range(1, 4)}
    for name, content in contents.items():
        own_storage.save(name, ContentFile(content))
    before = {name: Path(own_storage.path(name)).read_bytes() for name in contents}

    settings.LDM_FILE_KEYS = [new, old]
    for name, content in contents.items():  # before the rotation too: every key decrypts
        with own_storage.open(name) as handle:
            assert handle.read() == content
    report = file_key_rotate()

    assert (report.files, report.changed, report.failed) == (3, 3, [])
    for name in contents:
        after = Path(own_storage.path(name)).read_bytes()
        with io.BytesIO(after) as raw:
            header = header_read(raw)
        old_header = header_read(io.BytesIO(before[name]))
        assert header is not None and old_header is not None
        assert header.key_id == "2027"
        # Only the header changed: the sealed content is the same bytes.
        assert after[header.length :] == before[name][old_header.length :]
        assert stat.S_IMODE(Path(own_storage.path(name)).stat().st_mode) == 0o600
    settings.LDM_FILE_KEYS = [new]  # the old key can go
    for name, content in contents.items():
        with own_storage.open(name) as handle:
            assert handle.read() == content
    entry = AuditEntry.objects.get(action=AuditAction.FILE_KEY_ROTATED)
    assert entry.data == {"files": 3, "key": "2027", "secrets": 0}

    again = file_key_rotate()  # idempotent (and so resumable)
    assert (again.files, again.changed) == (3, 0)
    assert AuditEntry.objects.filter(action=AuditAction.FILE_KEY_ROTATED).count() == 1


@pytest.mark.django_db
def test_file_key_rotate_command_reports_files_that_open_with_no_key(settings, own_storage):

    settings.LDM_FILE_KEYS = [_key("lost")]
    own_storage.save("surat/a.pdf", ContentFile(b"%PDF-1.7 a"))
    settings.LDM_FILE_KEYS = [_key("2027")]
    output = io.StringIO()

    with pytest.raises(CommandError, match="1 do not open with any key"):
        call_command("file_key_rotate", stdout=output)
    assert "0 of 1 files" in output.getvalue()


# --- Files from before ------------------------------------------------------------------------


@pytest.mark.django_db
def test_files_stored_in_clear_still_open_and_files_encrypt_encrypts_them(own_storage):
    legacy = {"identitas/p/ktp.jpg": jpeg_bytes(), "surat/2025/lama.pdf": b"%PDF-1.4 lama"}
    for name, content in legacy.items():  # as an earlier version wrote them
        path = Path(own_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    encrypted = own_storage.save("surat/2026/baru.pdf", ContentFile(b"%PDF-1.7 baru"))

    for name, content in legacy.items():
        assert own_storage.size(name) == len(content)
        with own_storage.open(name) as handle:
            assert handle.read() == content
    output = io.StringIO()
    call_command("files_encrypt", stdout=output)

    assert "2 of 3 files encrypted" in output.getvalue()
    for name, content in legacy.items():
        stored = Path(own_storage.path(name)).read_bytes()
        assert stored.startswith(MAGIC)
        assert JPEG not in stored and PDF not in stored
        with own_storage.open(name) as handle:
            assert handle.read() == content
    with own_storage.open(encrypted) as handle:
        assert handle.read() == b"%PDF-1.7 baru"
    assert AuditEntry.objects.get(action=AuditAction.FILES_ENCRYPTED).data["files"] == 2
    assert files_encrypt().changed == 0


# --- In an S3 bucket --------------------------------------------------------------------------


@pytest.mark.django_db
def test_s3_objects_are_ciphertext_and_rotate_there_too(settings, s3_server, tmp_path):  # noqa: F811

    endpoint, client = s3_server
    prefix = f"rotasi-{os.urandom(4).hex()}"
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "layanan.core.storage_s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "secret_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "location": prefix,
            },
        },
    }
    storage = storages["default"]
    old, new = _key("2026"), _key("2027")
    settings.LDM_FILE_KEYS = [old]
    content = b"%PDF-1.7 " + os.urandom(150_000)
    name = storage.save("surat/2026/11/rotasi.pdf", ContentFile(content))

    def stored() -> bytes:
        return client.get_object(Bucket=BUCKET, Key=f"{prefix}/{name}")["Body"].read()

    before = stored()
    assert before.startswith(MAGIC) and PDF not in before
    assert storage.size(name) == len(content)
    with storage.open(name, "rb") as handle:
        assert handle.read() == content

    settings.LDM_FILE_KEYS = [new, old]
    report = file_key_rotate()
    settings.LDM_FILE_KEYS = [new]

    assert (report.files, report.changed) == (1, 1)
    header = header_read(io.BytesIO(stored()))
    assert header is not None and header.key_id == "2027"
    with storage.open(name, "rb") as handle:
        assert handle.read() == content
    storage.delete(name)


# --- var/ ----------------------------------------------------------------------------------------

FRESH_INSTALL = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import connection
from layanan.backup.crypto import backup_passphrase
from layanan.documents.pki.keys import pki_passphrase
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
name = default_storage.save("identitas/p/ktp.jpg", ContentFile(b"jpeg"))
send_mail("Subjek", "Isi", "a@desa.localhost", ["b@desa.localhost"])
backup_passphrase()
pki_passphrase()
"""


def _modes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root.parent)): stat.S_IMODE(path.stat().st_mode)
        for path in [root, *root.rglob("*")]
    }


def _run(script: str, var: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "LDM_"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "LDM_VAR_DIR": str(var), **extra})
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        umask=0o022,  # the usual umask: files would be world-readable without explicit modes
    )


def test_a_fresh_install_creates_var_readable_by_its_own_user_only(tmp_path):
    var = tmp_path / "var"

    result = _run(FRESH_INSTALL, var)

    assert result.returncode == 0, result.stderr
    modes = _modes(var)
    expected = {
        "var": 0o700,
        "var/secret_key": 0o600,
        "var/file-key": 0o600,
        "var/backup-key": 0o600,
        "var/pki-passphrase": 0o600,
        "var/db.sqlite3": 0o600,
        "var/mail": 0o700,
        "var/private": 0o700,
        "var/private/identitas": 0o700,
        "var/private/identitas/p": 0o700,
        "var/private/identitas/p/ktp.jpg": 0o600,
    }
    assert {path: modes[path] for path in expected} == expected
    mails = [path for path in modes if path.startswith("var/mail/")]
    assert mails and all(modes[path] == 0o600 for path in mails)
    # Every other file SQLite or anything else made there (-wal, -shm) is private too.
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes
    assert b"jpeg" not in (var / "private/identitas/p/ktp.jpg").read_bytes()


def test_a_database_left_readable_by_an_earlier_version_is_narrowed_on_connecting(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("x" * 50)
    database = var / "db.sqlite3"
    database.touch()
    database.chmod(0o644)

    result = _run(
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n",
        var,
    )

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_production_refuses_to_start_without_a_file_keyring(tmp_path):
    result = _run(
        "import django; django.setup()",
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k" * 64,
        LDM_PKI_PASSPHRASE="p" * 32,
    )

    assert result.returncode != 0
    assert "Set LDM_FILE_KEYS or LDM_FILE_KEYS_FILE" in result.stderr
