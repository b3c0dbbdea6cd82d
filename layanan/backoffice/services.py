"""Writes of the back office."""

from django.core.files.base import ContentFile
from django.db import transaction

from layanan.accounts.models import User
from layanan.audit.services import audit_record
from layanan.core.errors import DomainError
from layanan.core.uploads import CleanUpload
from layanan.regions.models import VillageOffice


@transaction.atomic
def village_office_update(*, actor: User, values: dict, logo: CleanUpload | None) -> VillageOffice:
    """The operator updates their village's letterhead; applies to letters rendered next."""
    if not (actor.is_active and actor.is_operator and actor.village_id):
        raise DomainError("Only a village operator can edit the letterhead.")
    office, _ = VillageOffice.objects.select_for_update().get_or_create(village_id=actor.village_id)
    for name, value in values.items():
        setattr(office, name, value)
    if logo is not None:
        if office.logo:
            office.logo.delete(save=False)
        office.logo.save(f"logo.{logo.extension}", ContentFile(logo.content), save=False)
    office.save()
    audit_record(actor=actor, action="village.letterhead_updated", village=office.village)
    return office
