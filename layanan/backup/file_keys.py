"""The keys of the private files: encrypting what an earlier version stored in clear, and
moving every file and TOTP secret to the newest key of ``LDM_FILE_KEYS``.

Both walk the whole storage (local disk or S3) and change one file at a time, replacing it at
once (``raw_replace``): a reader sees the old or the new file, never half of one. Both are
idempotent and resumable: a file already as wanted is skipped, so a run that stopped half way
is simply started again. Rotation rewrites a file's header only (its data key wrapped under
the new key); the content is copied as it is, never decrypted. What a run changed is audited,
in batches, so that a run stopped half way is audited for what it did.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.db import transaction

from layanan.accounts.models import EncryptedTOTPDevice, totp_secret_seal
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.backup.reconcile import storage_files
from layanan.core.crypto import (
    MAGIC,
    FileDamaged,
    FileKeyError,
    encrypted_chunks,
    file_keyring,
    header_read,
    header_rewrap,
    is_sealed,
    secret_open,
    secret_seal,
)
from layanan.core.storage import EncryptedStorageMixin

logger = logging.getLogger(__name__)

COPY_CHUNK = 1024 * 1024
AUDIT_BATCH = 500


@dataclass
class KeyReport:
    """What a run found and changed (names of files that failed, for the operator)."""

    files: int = 0
    changed: int = 0
    secrets: int = 0
    plain: int = 0
    failed: list[str] = field(default_factory=list)
    _unaudited: int = 0


def _storage() -> EncryptedStorageMixin:
    storage = storages["default"]
    if not isinstance(storage, EncryptedStorageMixin):
        raise ImproperlyConfigured("The default storage does not encrypt (layanan.core.storage).")
    return storage


def _copy(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(COPY_CHUNK):
        yield chunk


def _audit(
    action: AuditAction, report: KeyReport, *, key_id: str, final: bool, secrets: int = 0
) -> None:
    """One entry per AUDIT_BATCH files changed, and one for the rest at the end."""
    if report._unaudited >= AUDIT_BATCH or (final and (report._unaudited or secrets)):
        data = {"files": report._unaudited, "key": key_id}
        if final and action == AuditAction.FILE_KEY_ROTATED:
            data["secrets"] = secrets
        audit_record(actor=None, action=action, data=data)
        report._unaudited = 0


def files_encrypt() -> KeyReport:
    """Encrypt in place every file stored in clear (by a version before encryption at rest)."""
    storage, report = _storage(), KeyReport()
    key_id = file_keyring().current[0]
    for name in storage_files():
        report.files += 1
        try:
            with storage.raw_open(name) as raw:
                if raw.read(len(MAGIC)) == MAGIC:
                    continue
                raw.seek(0)
                storage.raw_replace(name, encrypted_chunks(_copy(raw)))
        except FileNotFoundError:  # deleted meanwhile
            continue
        report.changed += 1
        report._unaudited += 1
        _audit(AuditAction.FILES_ENCRYPTED, report, key_id=key_id, final=False)
    _audit(AuditAction.FILES_ENCRYPTED, report, key_id=key_id, final=True)
    return report


def file_key_rotate() -> KeyReport:
    """Re-wrap every file's data key, and re-seal every TOTP secret, under the keyring's
    first key. Files stored in clear are counted (``plain``: run ``files_encrypt``)."""
    storage, report = _storage(), KeyReport()
    keyring = file_keyring()
    key_id = keyring.current[0]
    for name in storage_files():
        report.files += 1
        try:
            with storage.raw_open(name) as raw:
                header = header_read(raw)
                if header is None:
                    report.plain += 1
                    continue
                if header.key_id == key_id:
                    continue
                new_header = header_rewrap(header, keyring)
                raw.seek(header.length)
                storage.raw_replace(name, _prepend(new_header.to_bytes(), _copy(raw)))
        except FileNotFoundError:
            continue
        except (FileKeyError, FileDamaged) as error:
            logger.error("file key rotation: %s does not open: %s", name, error)
            report.failed.append(name)
            continue
        report.changed += 1
        report._unaudited += 1
        _audit(AuditAction.FILE_KEY_ROTATED, report, key_id=key_id, final=False)
    report.secrets = _secrets_reseal(report)
    _audit(AuditAction.FILE_KEY_ROTATED, report, key_id=key_id, final=True, secrets=report.secrets)
    return report


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _secrets_reseal(report: KeyReport) -> int:
    """The TOTP secrets not sealed under the first key (or not sealed at all), sealed again."""
    changed = 0
    for pk in EncryptedTOTPDevice.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            device = EncryptedTOTPDevice.objects.select_for_update().filter(pk=pk).first()
            if device is None:
                continue
            try:
                if is_sealed(device.key):
                    value, current = secret_open(device.key)
                    if current:
                        continue
                    sealed = secret_seal(value)
                else:
                    sealed = totp_secret_seal(device.key)
            except FileKeyError as error:
                logger.error("file key rotation: TOTP device %s: %s", pk, error)
                report.failed.append(f"totp device {pk}")
                continue
            EncryptedTOTPDevice.objects.filter(pk=pk).update(key=sealed)
            changed += 1
    return changed
