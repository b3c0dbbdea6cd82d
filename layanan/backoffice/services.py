"""Writes of the back office."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from layanan.accounts.models import User
from layanan.audit.services import audit_record
from layanan.core.errors import DomainError
from layanan.core.uploads import CleanUpload
from layanan.regions.models import Village, VillageOffice


@transaction.atomic
def village_office_update(
    *, actor: User, values: dict, logo: CleanUpload | None, village: Village | None = None
) -> VillageOffice:
    """A village's letterhead and office data, kept by its operator or the district admin;
    applies to the letters rendered next."""
    village = village or actor.village
    allowed = actor.is_active and (
        (actor.is_operator and village is not None and actor.village_id == village.pk)
        or actor.is_district_admin
    )
    if not allowed or village is None:
        raise DomainError(_("Only the village's operator or the district admin can edit this."))
    office, _created = VillageOffice.objects.select_for_update().get_or_create(village=village)
    for name, value in values.items():
        setattr(office, name, value)
    if logo is not None:
        if office.logo:
            office.logo.delete(save=False)
        office.logo.save(f"logo.{logo.extension}", ContentFile(logo.content), save=False)
    office.save()
    audit_record(actor=actor, action="village.letterhead_updated", village=office.village)
    return office
