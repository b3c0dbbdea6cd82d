"""Backing up an installation into one encrypted file, and restoring it on a fresh install.

A backup (``backup_create``) is taken while the site is in use. It reads the whole database
in one snapshot (``dump.snapshot``) and copies exactly the private files the snapshot's rows
hold, so rows and files agree as of one moment, whatever is being signed or submitted. It
checks itself before it is written: every issued letter's PDF is in it with the SHA-256 on
record (a file replaced meanwhile, e.g. by an archive renewal, makes it start over, up to
three times). An inconsistency the installation already had (an issued letter whose PDF is
missing or is not the one on record, as the live data still says after the copy) does not
stop the backup: the manifest names it (``inconsistent_at_source``), the restore accepts
exactly that and nothing more, and ``files_reconcile`` reports it. The file is encrypted
(``crypto``) and holds a tar stream of:

* ``database.jsonl``: every table, every value exact (``dump``);
* ``files/``: the files the rows hold, through Django's storage API (local disk or S3);
* ``secrets.json``: ``DJANGO_SECRET_KEY`` and its fallbacks, so that links already mailed
  (email confirmation, password reset) still open after a restore elsewhere;
* ``manifest.json`` (last): the format, the migrations the data needs, rows per table, the
  counters and the highest numbers the data holds, a SHA-256 per member, and what the backup
  holds and deliberately does not (``holds``).

Not included, on purpose: the PKI passphrase (``LDM_PKI_PASSPHRASE``; the PKI's keys are in
the database, encrypted with it), the backup key, the rest of the configuration, sessions.

A restore (``backup_restore``) migrates, refuses a database that holds data (unless
``force``) and a backup that fails its own checks (saying why), loads everything in one
transaction, then repairs any counter below the highest number its data holds (so no village
is ever blocked by a taken number), verifies the audit chain and records the restore in it.
"""

import datetime as dt
import hashlib
import io
import json
import logging
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from layanan.audit.models import AuditAction
from layanan.audit.services import audit_chain_verify, audit_record
from layanan.backup import dump
from layanan.backup.crypto import BackupDamaged, BackupKeyError, DecryptingReader, EncryptingWriter
from layanan.core.models import Counter
from layanan.documents.models import LetterArchive
from layanan.documents.pki.keys import keys_forget
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.selectors import number_floors
from layanan.verification.services import trust_roots_forget

logger = logging.getLogger(__name__)

FORMAT = "ldm-backup-2"
DATABASE_MEMBER = "database.jsonl"
SECRETS_MEMBER = "secrets.json"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"
FALLBACK_KEYS_FILE = "secret-key-fallbacks"
HOLDS = {
    "database": "every table, read in one snapshot, including the PKI with its keys "
    "encrypted (PKI passphrase) and staff's login-code seeds",
    "files": "the files the rows hold: identity documents, issued letters, village logos, "
    "attachments",
    "secrets": "DJANGO_SECRET_KEY and its fallbacks (links already mailed keep working)",
    "not_included": [
        "the PKI passphrase (LDM_PKI_PASSPHRASE or its file): configuration",
        "the backup key (LDM_BACKUP_KEY or its file): keep it apart from the backups",
        "the rest of the configuration (database, cache, broker, email, BSrE)",
        "sessions: everybody logs in again",
        "files no row holds (quarantined by files_reconcile)",
    ],
}
ATTEMPTS = 3
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


@dataclass
class BackupSummary:
    path: Path
    files: int = 0
    rows: int = 0
    database_bytes: int = 0
    attempts: int = 1


# --- Creating ------------------------------------------------------------------------------


class _Changed(Exception):
    """A file the snapshot holds changed or went before it was copied."""


def backup_create(*, output: Path) -> BackupSummary:
    """Write the encrypted backup to ``output`` (readable by its owner only)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    for attempt in range(1, ATTEMPTS + 1):
        try:
            summary = _backup_write(partial)
        except _Changed as changed:
            logger.info("backup attempt %d: %s; starting over", attempt, changed)
            partial.unlink(missing_ok=True)
            continue
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.rename(output)
        summary.path, summary.attempts = output, attempt
        return summary
    raise BackupError(
        "Files kept changing while the backup was taken (three times); try again later."
    )


def _backup_write(target: Path) -> BackupSummary:
    summary = BackupSummary(path=target)
    checksums: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="ldm-backup-") as workdir:
        database = Path(workdir) / DATABASE_MEMBER
        with dump.snapshot() as alias:
            with database.open("w", encoding="utf-8") as out:
                dumped = dump.database_dump(alias, out)
            floors = number_floors(using=alias)
            counters = dict(Counter.objects.using(alias).values_list("name", "value"))
            expected = _issued_files(alias)
            migrations = _applied_migrations(alias)
        summary.rows = sum(dumped.rows.values())
        summary.database_bytes = database.stat().st_size
        target.touch(mode=0o600)
        target.chmod(0o600)
        with target.open("wb") as raw:
            sealed = EncryptingWriter(raw)
            with tarfile.open(fileobj=sealed, mode="w|gz") as archive:  # type: ignore[call-overload]
                checksums[DATABASE_MEMBER] = _add_path(archive, DATABASE_MEMBER, database)
                missing, mismatched = [], []
                for name in sorted(dumped.files):
                    copied = _add_file(archive, name, expected.get(name))
                    if copied is None:
                        missing.append(name)
                        continue
                    checksums[FILES_PREFIX + name], matches = copied
                    if not matches:
                        mismatched.append(name)
                    summary.files += 1
                if missing or mismatched:
                    _inconsistent_at_source([*missing, *mismatched], expected)
                secrets_data = json.dumps(
                    {
                        "secret_key": settings.SECRET_KEY,
                        "secret_key_fallbacks": list(settings.SECRET_KEY_FALLBACKS),
                    }
                ).encode()
                checksums[SECRETS_MEMBER] = _add_bytes(archive, SECRETS_MEMBER, secrets_data)
                manifest = {
                    "format": FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
                    "migrations": migrations,
                    "rows": dumped.rows,
                    "files": summary.files,
                    "counters": counters,
                    "number_floors": floors,
                    "issued_letters": len(expected),
                    "inconsistent_at_source": {
                        "missing_files": missing,
                        "mismatched_files": mismatched,
                    },
                    "holds": HOLDS,
                    "sha256": checksums,
                }
                _add_bytes(archive, MANIFEST_MEMBER, json.dumps(manifest, indent=1).encode())
            sealed.close()
    return summary


def _issued_files(alias: str, *, names: list[str] | None = None) -> dict[str, set[str]]:
    """For each issued letter's PDF in the snapshot (of ``names`` only, if given): the
    SHA-256s it may have (as issued, or as last renewed by the archive task). Not the
    letters of closed accounts: their file is a sheet of the letter's facts, while the
    SHA-256 on record stays the original's (layanan.privacy)."""
    expected: dict[str, set[str]] = {}
    letters = (
        LetterRequest.objects.using(alias)
        .filter(status__in=[RequestStatus.TERBIT, RequestStatus.DICABUT])
        .exclude(applicant_nik="")
    )
    if names is not None:
        letters = letters.filter(document__in=names)
    for name, sha in letters.values_list("document", "document_sha256").iterator():
        expected.setdefault(name, set()).add(sha)
    renewed = LetterArchive.objects.using(alias).values_list("request__document", "current_sha256")
    if names is not None:
        renewed = renewed.filter(request__document__in=names)
    for name, current in renewed.iterator():
        if name in expected and current:
            expected[name].add(current)
    return expected


def _applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _member_info(member: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(member)
    info.size = size
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
    return info


def _add_path(archive: tarfile.TarFile, member: str, path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        archive.addfile(_member_info(member, path.stat().st_size), _Hashing(content, digest))
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, member: str, data: bytes) -> str:
    archive.addfile(_member_info(member, len(data)), io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def _add_file(
    archive: tarfile.TarFile, name: str, shas: set[str] | None
) -> tuple[str, bool] | None:
    """Copy one storage file into the archive (through a spool: a remote file's size is
    known only once read): its SHA-256, and whether it is the PDF on record when it is an
    issued letter's; None when the storage does not hold it."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as spool:
        try:
            with default_storage.open(name, "rb") as content:
                while chunk := content.read(CHUNK):
                    digest.update(chunk)
                    spool.write(chunk)
        except FileNotFoundError:
            return None
        size = spool.tell()
        spool.seek(0)
        archive.addfile(_member_info(FILES_PREFIX + name, size), spool)
    return digest.hexdigest(), shas is None or digest.hexdigest() in shas


def _inconsistent_at_source(names: list[str], expected: dict[str, set[str]]) -> None:
    """Files the snapshot's rows hold that were missing or not as recorded when copied:
    if the live rows have moved on (a renewal replaced the PDF meanwhile) the backup starts
    over; if they still say what the snapshot says, the installation itself is inconsistent
    and the backup goes on, naming them (logged as a count: names are the manifest's)."""
    live = _issued_files(DEFAULT_DB_ALIAS, names=names)
    snapshot = {name: expected[name] for name in names if name in expected}
    if live != snapshot:
        raise _Changed(f"{len(names)} files changed while they were copied")
    logger.warning(
        "backup: %d files of the data are missing or not as recorded in this installation "
        "(see files_reconcile); the manifest names them",
        len(names),
    )


class _Hashing:
    def __init__(self, content: IO[bytes], digest: Any) -> None:
        self._content, self._digest = content, digest

    def read(self, size: int = -1) -> bytes:
        chunk = self._content.read(size)
        self._digest.update(chunk)
        return chunk


def backups_rotate(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``directory``; the deleted ones."""
    found = sorted(Path(directory).glob("ldm-*.ldmbackup"), key=lambda path: path.name)
    gone = found[:-keep] if keep > 0 else []
    for path in gone:
        path.unlink()
    return gone


def backup_scheduled() -> BackupSummary | None:
    """The scheduler's nightly backup into LDM_BACKUP_DIR, keeping LDM_BACKUP_KEEP."""
    if not settings.LDM_BACKUP_DIR:
        return None
    directory = Path(settings.LDM_BACKUP_DIR)
    name = f"ldm-{timezone.localtime():%Y%m%d-%H%M%S}.ldmbackup"
    summary = backup_create(output=directory / name)
    backups_rotate(directory, keep=settings.LDM_BACKUP_KEEP)
    return summary


# --- Restoring -----------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    rows: int = 0
    files: int = 0
    counters_repaired: dict[str, tuple[int, int]] = field(default_factory=dict)
    audit_entries: int = 0
    secret_key_kept_as_fallback: bool = False
    letters_without_pdf: int = 0


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
    """Restore a backup made by `backup_create` into this (fresh) installation."""
    summary = RestoreSummary()
    with tempfile.TemporaryDirectory(prefix="ldm-restore-") as workdir:
        extracted = Path(workdir)
        manifest = _extract_checked(Path(archive_path), extracted)
        call_command("migrate", interactive=False, verbosity=0)
        _check_migrations(manifest["migrations"])
        if not force and not database_is_empty():
            raise BackupError(
                "The database is not empty. Restore into a fresh install, or use --force "
                "to replace everything in it."
            )
        if force:
            call_command("flush", interactive=False, verbosity=0)
        with transaction.atomic():
            with (extracted / DATABASE_MEMBER).open(encoding="utf-8") as source:
                loaded = dump.database_load(source)
            if loaded != manifest["rows"]:
                raise BackupError("The database in the backup does not match its manifest.")
            summary.rows = sum(loaded.values())
            summary.counters_repaired = counters_repair()
            files = extracted / FILES_PREFIX.rstrip("/")
            restored = {
                path.relative_to(files).as_posix() for path in files.rglob("*") if path.is_file()
            }
            known = manifest["inconsistent_at_source"]["missing_files"]
            summary.letters_without_pdf = _issued_letters_check(restored, known_missing=known)
            for name in sorted(restored):
                _storage_put(name, files / name)
                summary.files += 1
            chain = audit_chain_verify()
            if not chain.ok:
                raise BackupError(
                    f"The audit log in the backup does not verify (entry {chain.broken_at}: "
                    f"{chain.reason})."
                )
            audit_record(
                actor=None,
                action=AuditAction.BACKUP_RESTORED,
                data={
                    "created_at": manifest["created_at"],
                    "rows": summary.rows,
                    "files": summary.files,
                    "counters_repaired": len(summary.counters_repaired),
                    "letters_without_pdf": summary.letters_without_pdf,
                },
            )
            summary.audit_entries = chain.entries + 1
        summary.secret_key_kept_as_fallback = _secret_keys_keep(extracted / SECRETS_MEMBER)
    keys_forget()
    trust_roots_forget()
    return summary


def counters_repair() -> dict[str, tuple[int, int]]:
    """Raise every counter below the highest number its data holds: {name: (was, now)}."""
    repaired = {}
    current = dict(Counter.objects.values_list("name", "value"))
    for name, highest in number_floors().items():
        was = current.get(name, 0)
        if was < highest:
            Counter.objects.update_or_create(name=name, defaults={"value": highest})
            repaired[name] = (was, highest)
            logger.warning(
                "counter %s was %d, below its highest number %d: raised", name, was, highest
            )
    return repaired


def _extract_checked(archive_path: Path, into: Path) -> dict[str, Any]:
    """Decrypt and extract every member (regular files with safe names only), then check
    them against the manifest, which comes last, and check the backup's own consistency."""
    digests: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    try:
        with archive_path.open("rb") as raw:
            opened = DecryptingReader(raw)
            with tarfile.open(fileobj=opened, mode="r|gz") as archive:  # type: ignore[call-overload]
                for member in archive:
                    if not member.isfile():
                        raise BackupError(f"Unexpected member in the backup: {member.name!r}.")
                    if member.name == MANIFEST_MEMBER:
                        manifest = json.load(archive.extractfile(member))
                        continue
                    archive.extract(member, into, filter="data")
                    digests[member.name] = _sha256_of(into / member.name)
    except BackupKeyError as error:
        raise BackupError(str(error)) from error
    except (BackupDamaged, tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"The backup is damaged or not one of ours ({error}).") from error
    if manifest is None:
        raise BackupError("Not a backup of Layanan Desa Mandiri: no manifest.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if digests != manifest["sha256"]:
        changed = sorted(set(digests.items()) ^ set(manifest["sha256"].items()))
        raise BackupError(f"The backup does not match its manifest ({changed[0][0]}).")
    return manifest


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        while chunk := content.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _issued_letters_check(restored: set[str], *, known_missing: list[str]) -> int:
    """Every issued letter of the restored data has its PDF, but those the backed-up
    installation already lacked (the manifest names them): else the backup is refused.
    Returns how many issued letters lack their PDF as they did at the source."""
    letters = LetterRequest.objects.filter(
        status__in=[RequestStatus.TERBIT, RequestStatus.DICABUT]
    ).values_list("registration_number", "document")
    known = set(known_missing)
    lacking, as_at_source = [], 0
    for number, name in letters.iterator():
        if name in restored:
            continue
        if name in known:
            as_at_source += 1
        else:
            lacking.append(number)
    if lacking:
        raise BackupError(
            f"The backup is inconsistent: {len(lacking)} issued letters lack their PDF "
            f"(e.g. request {lacking[0]}). Nothing was restored."
        )
    if as_at_source:
        logger.warning(
            "restore: %d issued letters lack their PDF, as in the backed-up installation",
            as_at_source,
        )
    return as_at_source


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


def _storage_put(name: str, path: Path) -> None:
    """Store a file under exactly its old name: the database refers to it by that name."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as content:
        stored = default_storage.save(name, File(content))
    if stored != name:
        raise BackupError(f"The storage renamed {name!r} to {stored!r}.")


def _secret_keys_keep(path: Path) -> bool:
    """The backed-up installation's secret keys, if this one's differs, go to
    ``var/secret-key-fallbacks`` (settings read it into SECRET_KEY_FALLBACKS): links it
    mailed keep working here."""
    keys = json.loads(path.read_text())
    old = [keys["secret_key"], *keys["secret_key_fallbacks"]]
    known = {settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS}
    new = [key for key in old if key and key not in known]
    if not new:
        return False
    file = Path(settings.VAR_DIR) / FALLBACK_KEYS_FILE
    file.parent.mkdir(parents=True, exist_ok=True)
    existing = file.read_text().split() if file.exists() else []
    file.write_text("\n".join([*existing, *new]) + "\n")
    file.chmod(0o600)
    return True
