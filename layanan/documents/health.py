"""The check of ``/sehat/`` that issued letters have their PDF (settings.LDM_HEALTH_CHECKS).

The newest issued letters are looked up in the storage: a letter that is TERBIT without its
file (as a lost reply to COMMIT once left them) shows as ``"letters": "failed"`` and the
status "degraded" (the site still serves; the reconciliation, ``files_reconcile``, lists
every such letter). Only the newest: the check runs on every probe of a load balancer.
"""

from django.core.files.storage import default_storage

from layanan.letters.models import LetterRequest, RequestStatus

NEWEST = 20


def issued_letters_have_files() -> None:
    names = (
        LetterRequest.objects.filter(status=RequestStatus.TERBIT)
        .order_by("-issued_at")
        .values_list("document", flat=True)[:NEWEST]
    )
    lacking = sum(1 for name in names if not default_storage.exists(name))
    if lacking:
        raise RuntimeError(f"{lacking} of the newest issued letters lack their PDF")
