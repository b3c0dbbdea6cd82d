"""Files and rows agree: every stored file is held by a row, every issued letter has its PDF.

A signing writes the letter's PDF, then commits the row that holds it. A process killed in
between, or a commit whose outcome is unknown and whose database could not be read back,
leaves a PDF that no row holds, possibly carrying a number that a later letter got. The
reconciliation (``manage.py files_reconcile``, nightly in the scheduler) moves such orphans,
once they are older than a grace period (a signing in progress is not an orphan), under
``karantina/<date>/`` where nothing serves, counts or backs them up, and reports them; and it
reports every issued letter whose PDF is missing, which should never happen.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.letters.models import LetterRequest, RequestStatus

logger = logging.getLogger(__name__)

QUARANTINE = "karantina/"
GRACE = dt.timedelta(hours=1)


def storage_files(directory: str = "") -> list[str]:
    """Every file name in the default storage, found with `listdir` (local disk or S3)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:  # a fresh local storage has no folder yet
        return []
    names = [str(PurePosixPath(directory, name)) if directory else name for name in files]
    for sub in directories:
        names += storage_files(str(PurePosixPath(directory, sub)) if directory else sub)
    return sorted(names)


def referenced_files(*, using: str = "default") -> set[str]:
    """The name of every file a row holds, in any file field of any table."""
    names: set[str] = set()
    for model in apps.get_models():
        columns = [
            column.attname
            for column in model._meta.concrete_fields
            if isinstance(column, models.FileField)
        ]
        for column in columns:
            names.update(
                name
                for name in model._base_manager.using(using)
                .exclude(**{column: ""})
                .values_list(column, flat=True)
                .iterator(chunk_size=5000)
                if name
            )
    return names


def issued_without_file(*, limit: int | None = None) -> list[str]:
    """Registration numbers of issued (or revoked) letters whose PDF the storage lacks."""
    letters = (
        LetterRequest.objects.filter(status__in=[RequestStatus.TERBIT, RequestStatus.DICABUT])
        .order_by("-issued_at")
        .values_list("registration_number", "document")
    )
    if limit:
        letters = letters[:limit]
    return [number for number, name in letters.iterator() if not default_storage.exists(name)]


@dataclass
class ReconcileReport:
    quarantined: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing


def files_reconcile(*, grace: dt.timedelta = GRACE, dry_run: bool = False) -> ReconcileReport:
    """Quarantine the files no row holds (older than ``grace``); report issued letters
    without their PDF. Idempotent; audited when it moved anything."""
    report = ReconcileReport()
    referenced = referenced_files()
    cutoff = timezone.now() - grace
    for name in storage_files():
        if name.startswith(QUARANTINE) or name in referenced:
            continue
        if default_storage.get_modified_time(name) > cutoff:
            continue  # perhaps a signing that has not committed yet
        report.quarantined.append(name)
        if not dry_run:
            _quarantine(name)
    report.missing = issued_without_file()
    if report.quarantined and not dry_run:
        audit_record(
            actor=None,
            action=AuditAction.FILES_QUARANTINED,
            data={"files": len(report.quarantined)},
        )
    for number in report.missing:
        logger.error("issued letter %s has no PDF in the storage", number)
    return report


def _quarantine(name: str) -> None:
    target = f"{QUARANTINE}{timezone.localdate():%Y%m%d}/{name}"
    with default_storage.open(name, "rb") as content:
        stored = default_storage.save(target, content)
    default_storage.delete(name)
    logger.warning("file %s held by no row: moved to %s", name, stored)
