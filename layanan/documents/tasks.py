"""Background tasks of documents: the scheduler's daily upkeep of the PKI and the archive.

Both are idempotent and resumable: run twice, or stopped half-way and run again, they do
what is still due and nothing twice.
"""

from celery import shared_task

from layanan.documents.archive import letters_archive_renew
from layanan.documents.pki.lifecycle import pki_maintain


@shared_task(acks_late=True, ignore_result=True)
def maintain_pki() -> str:
    """CRLs and OCSP responders current, the time-stamping unit rotated in time."""
    return pki_maintain().describe()


@shared_task(acks_late=True, ignore_result=True)
def renew_letter_archives() -> str:
    """A fresh archive timestamp on every letter whose newest one nears its end."""
    report = letters_archive_renew()
    return f"{report.renewed} renewed, {report.failed} failed"
