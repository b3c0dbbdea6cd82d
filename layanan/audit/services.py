"""Appending to the audit log and checking its chain."""

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from layanan.audit.models import AuditAction, AuditChainHead, AuditEntry
from layanan.regions.models import Village

if TYPE_CHECKING:
    # django-stubs resolves this alias to AUTH_USER_MODEL (accounts.User), which the audit
    # app, a layer below accounts, may not import.
    from django.contrib.auth.models import _User

GENESIS_HASH = "0" * 64


def _entry_hash(entry: AuditEntry) -> str:
    content = {
        "created_at": entry.created_at.isoformat(),
        "actor": entry.actor_id,
        "action": entry.action,
        "village": entry.village_id,
        "subject": entry.subject_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_record(
    *,
    actor: "_User | AnonymousUser | None",
    action: AuditAction,
    village: Village | None = None,
    subject: "_User | None" = None,
    target: Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so it commits or rolls back
    together with the change it records. Never put NIKs, names or free text in ``data``."""
    code = AuditAction(action).value  # a code outside the vocabulary is a bug: ValueError
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS_HASH}
        )
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=code,
            village=village,
            subject=subject,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            data=data or {},
            previous_hash=head.last_hash,
        )
        entry.entry_hash = _entry_hash(entry)
        entry.save()
        head.last_hash = entry.entry_hash
        head.length += 1
        head.save(update_fields=["last_hash", "length"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None  # id of the first entry that does not verify
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify() -> ChainReport:
    """Recompute every hash in order; report the first entry that does not fit."""
    previous = GENESIS_HASH
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return ChainReport(count, entry.id, "an entry before it was removed or altered")
        if _entry_hash(entry) != entry.entry_hash:
            return ChainReport(count, entry.id, "its content was altered")
        previous = entry.entry_hash
        count += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != previous or head.length != count):
        return ChainReport(count, -1, "the newest entries were removed")
    return ChainReport(count, None)
