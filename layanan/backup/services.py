"""Backing up an installation into one archive, and restoring it on a fresh install.

The archive (``.tar.gz``) holds:

* ``database.json``: every table as Django's ``dumpdata`` JSON, with natural keys for content
  types and permissions (recreated by ``migrate``) and the primary keys kept, so that links
  between rows, the audit chain and file names stay as they were. JSON and not ``pg_dump``
  on purpose: the same archive restores into PostgreSQL or SQLite, of any server version,
  and is checked by the same code the site runs.
* ``files/``: every private file through Django's storage API (identity documents, issued
  letters, village logos), so it works the same on local disk and in an S3 bucket.
* ``manifest.json``: format, time, the migrations the data needs, a SHA-256 per member, and
  what the archive holds and does not (``holds``).

The local PKI (the CA's generations, the time-stamping unit, the OCSP responder, every
certificate issued, the CRLs) is in the database, so in ``database.json``; its private keys
only encrypted with the PKI passphrase. Heads' signing keys are encrypted with their own
passphrases, which nobody stores.

Deliberately left out: the PKI passphrase (``LDM_PKI_PASSPHRASE``: without it a restored
site verifies every letter but cannot sign, stamp or revoke until it is configured again),
the secret key and the rest of the configuration, and sessions (everybody logs in again).
It holds personal data and password hashes: keep it like the database itself.
"""

import datetime as dt
import hashlib
import io
import json
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from layanan.documents.pki.keys import keys_forget
from layanan.verification.services import trust_roots_forget

if TYPE_CHECKING:
    from _hashlib import HASH

FORMAT = "ldm-backup-1"
DATABASE_MEMBER = "database.json"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"
HOLDS = {
    "database": "every table, including the PKI with its keys encrypted (PKI passphrase)",
    "files": "identity documents, issued letters, village logos",
    "not_included": [
        "the PKI passphrase (LDM_PKI_PASSPHRASE or its file): configuration",
        "DJANGO_SECRET_KEY and the rest of the configuration",
        "sessions",
    ],
}
# Recreated by `migrate` (content types, permissions) or not worth keeping (sessions).
EXCLUDED = ("contenttypes", "auth.permission", "sessions")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive cannot be made or restored; the message says why."""


@dataclass
class BackupSummary:
    path: Path
    files: int = 0
    database_bytes: int = 0
    checksums: dict[str, str] = field(default_factory=dict)


# --- Creating ------------------------------------------------------------------------------


def backup_create(*, output: Path) -> BackupSummary:
    """Write the archive to ``output`` (readable by its owner only)."""
    output = Path(output)
    summary = BackupSummary(path=output)
    with tempfile.TemporaryDirectory(prefix="ldm-backup-") as workdir:
        dump = Path(workdir) / DATABASE_MEMBER
        call_command(
            "dumpdata",
            *[f"--exclude={label}" for label in EXCLUDED],
            natural_foreign=True,
            output=str(dump),
            verbosity=0,
        )
        summary.database_bytes = dump.stat().st_size
        output.parent.mkdir(parents=True, exist_ok=True)
        output.touch(mode=0o600)
        output.chmod(0o600)
        with tarfile.open(output, "w:gz") as archive:
            summary.checksums[DATABASE_MEMBER] = _add_path(archive, DATABASE_MEMBER, dump)
            for name in _storage_files():
                with default_storage.open(name, "rb") as content:
                    member = FILES_PREFIX + name
                    summary.checksums[member] = _add_stream(archive, member, content)
                summary.files += 1
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
                "migrations": _applied_migrations(),
                "files": summary.files,
                "holds": HOLDS,
                "sha256": summary.checksums,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            _add_stream(archive, MANIFEST_MEMBER, io.BytesIO(data), size=len(data))
    return summary


def _storage_files(directory: str = "") -> list[str]:
    """Every file name in the default storage, found with `listdir` (local disk or S3)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:  # a fresh local storage has no folder yet
        return []
    names = [str(PurePosixPath(directory, name)) if directory else name for name in files]
    for sub in directories:
        names += _storage_files(str(PurePosixPath(directory, sub)) if directory else sub)
    return sorted(names)


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _add_path(archive: tarfile.TarFile, member: str, path: Path) -> str:
    with path.open("rb") as content:
        return _add_stream(archive, member, content, size=path.stat().st_size)


def _add_stream(
    archive: tarfile.TarFile, member: str, content: IO[bytes], size: int | None = None
) -> str:
    """Add a member, hashing it on the way; streams through a temporary file when the size
    is not known up front (a storage file may be remote)."""
    digest = hashlib.sha256()
    if size is None:
        with tempfile.TemporaryFile() as spool:
            while chunk := content.read(CHUNK):
                digest.update(chunk)
                spool.write(chunk)
            size = spool.tell()
            spool.seek(0)
            archive.addfile(_member_info(member, size), spool)
        return digest.hexdigest()
    hashing = _HashingReader(content, digest)
    archive.addfile(_member_info(member, size), hashing)
    return digest.hexdigest()


def _member_info(member: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(member)
    info.size = size
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
    return info


class _HashingReader:
    def __init__(self, content: IO[bytes], digest: "HASH") -> None:
        self._content, self._digest = content, digest

    def read(self, size: int = -1) -> bytes:
        chunk = self._content.read(size)
        self._digest.update(chunk)
        return chunk


# --- Restoring -----------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    objects: int = 0
    files: int = 0


# Rows that `migrate` itself writes on a fresh install.
MIGRATION_ROWS = {"contenttypes.contenttype", "auth.permission", "audit.auditchainhead"}


def database_is_empty() -> bool:
    """No row in any table beyond what `migrate` alone creates (sessions do not count)."""
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in MIGRATION_ROWS or model._meta.app_label == "sessions":
            continue
        if model._meta.managed and not model._meta.proxy and model._default_manager.exists():
            return False
    return True


def backup_restore(*, archive_path: Path, force: bool = False) -> RestoreSummary:
    """Restore an archive made by `backup_create` into this (freshly migrated) installation.

    Refuses a database that already holds data unless ``force``: then the database is
    emptied first (the restored PKI replaces this installation's).
    """
    archive_path = Path(archive_path)
    summary = RestoreSummary()
    with tempfile.TemporaryDirectory(prefix="ldm-restore-") as workdir:
        extracted = Path(workdir)
        manifest = _extract_checked(archive_path, extracted)
        call_command("migrate", interactive=False, verbosity=0)
        _check_migrations(manifest["migrations"])
        if not force and not database_is_empty():
            raise BackupError(
                "The database is not empty. Restore into a fresh install, or use --force "
                "to replace everything in it."
            )
        if force:
            call_command("flush", interactive=False, verbosity=0)
        summary.objects = _load_database(extracted / DATABASE_MEMBER)
        files_dir = extracted / FILES_PREFIX
        for path in sorted(p for p in files_dir.rglob("*") if p.is_file()):
            _storage_put(path.relative_to(files_dir).as_posix(), path)
            summary.files += 1
    _forget_cached_trust()
    return summary


def _extract_checked(archive_path: Path, into: Path) -> dict[str, Any]:
    """Extract every member (regular files with safe names only) and check its SHA-256."""
    with tarfile.open(archive_path, "r:gz") as archive:
        try:
            manifest_file = archive.extractfile(MANIFEST_MEMBER)
        except KeyError as error:
            raise BackupError("Not a backup of Layanan Desa Mandiri: no manifest.") from error
        if manifest_file is None:  # a member of that name, but not a regular file
            raise BackupError("Not a backup of Layanan Desa Mandiri: no manifest.")
        manifest = json.load(manifest_file)
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        expected = manifest["sha256"]
        for member in archive:
            if member.name == MANIFEST_MEMBER:
                continue
            if member.name not in expected or not member.isfile():
                raise BackupError(f"Unexpected member in the archive: {member.name!r}.")
            archive.extract(member, into, filter="data")
            digest = hashlib.sha256((into / member.name).read_bytes()).hexdigest()
            if digest != expected[member.name]:
                raise BackupError(f"{member.name} is damaged (checksum mismatch).")
        missing = set(expected) - {m.name for m in archive.getmembers()}
        if missing:
            raise BackupError(f"The archive is incomplete: {sorted(missing)[:3]} missing.")
    return manifest


def _check_migrations(needed: dict[str, list[str]]) -> None:
    applied = _applied_migrations()
    missing = [
        f"{app}.{name}"
        for app, names in needed.items()
        for name in names
        if name not in applied.get(app, [])
    ]
    if missing:
        raise BackupError(
            "This installation is older than the backup: upgrade it first "
            f"(missing migrations: {', '.join(missing[:5])})."
        )


def _load_database(dump: Path) -> int:
    report = io.StringIO()
    call_command("loaddata", str(dump), verbosity=1, stdout=report)
    installed = re.search(r"Installed (\d+) object", report.getvalue())
    return int(installed.group(1)) if installed else 0


def _storage_put(name: str, path: Path) -> None:
    """Store a file under exactly its old name: the database refers to it by that name."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as content:
        stored = default_storage.save(name, File(content))
    if stored != name:
        raise BackupError(f"The storage renamed {name!r} to {stored!r}.")


def _forget_cached_trust() -> None:
    """The CA and the trust roots are cached per process; the restored ones replace them."""
    keys_forget()
    trust_roots_forget()
