"""Background tasks of backups: the nightly backup and the files' reconciliation."""

from celery import shared_task

from layanan.backup.reconcile import files_reconcile
from layanan.backup.services import backup_scheduled


@shared_task(acks_late=True, ignore_result=True)
def backup() -> str:
    summary = backup_scheduled()
    if summary is None:
        return "no LDM_BACKUP_DIR: nothing to do"
    return f"{summary.path.name}: {summary.rows} rows, {summary.files} files"


@shared_task(acks_late=True, ignore_result=True)
def reconcile_files() -> str:
    report = files_reconcile()
    return f"{len(report.quarantined)} quarantined, {len(report.missing)} issued without PDF"
