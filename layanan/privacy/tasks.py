"""The scheduler's nightly purge of data past its retention period (idempotent)."""

from celery import shared_task

from layanan.privacy.services import retention_purge


@shared_task(acks_late=True, ignore_result=True)
def purge_past_retention() -> str:
    return retention_purge().describe()
