"""Writes of the back office: a village's letterhead, and letter types (the district
admin's editor)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from layanan.accounts.models import User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.backoffice import rules
from layanan.core.errors import DomainError
from layanan.core.uploads import CleanUpload
from layanan.documents.services import letter_type_preview
from layanan.letters import rules as letter_rules
from layanan.letters.fields import SchemaError, parse_schema, public_fields_check
from layanan.letters.models import LetterType
from layanan.letters.numbers import number_pattern_check
from layanan.letters.services import VERSIONED_FIELDS, letter_type_version_current
from layanan.regions.models import Village, VillageOffice

# What the editor changes: what a letter depends on (versioned), and the catalogue's texts.
EDITABLE_FIELDS = (
    *VERSIONED_FIELDS,
    "summary",
    "description",
    "requirements",
    "process",
    "icon",
    "is_active",
    # What the verification page shows: not versioned, it applies to issued letters too.
    "public_fields",
)


@transaction.atomic
def village_office_update(
    *,
    actor: User,
    values: dict[str, Any],
    logo: CleanUpload | None,
    village: Village | None = None,
) -> VillageOffice:
    """A village's letterhead and office data, kept by its operator or the district admin;
    applies to the letters rendered next."""
    village = village or actor.village
    if village is None or not rules.can_edit_letterhead(actor, village):
        raise DomainError(_("Only the village's operator or the district admin can edit this."))
    office, _created = VillageOffice.objects.select_for_update().get_or_create(village=village)
    for name, value in values.items():
        setattr(office, name, value)
    if logo is not None:
        if office.logo:
            office.logo.delete(save=False)
        office.logo.save(f"logo.{logo.extension}", ContentFile(logo.content), save=False)
    office.save()
    audit_record(actor=actor, action=AuditAction.LETTERHEAD_UPDATED, village=office.village)
    return office


@transaction.atomic
def letter_type_save(
    *, actor: User, letter_type: LetterType | None, values: dict[str, Any]
) -> LetterType:
    """Create or edit a letter type. Letters already issued keep the version they were
    issued with; drafts and new requests use the new one."""
    if not letter_rules.can_edit_letter_types(actor):
        raise DomainError(_("Only the district admin can edit letter types."), code="forbidden")
    try:
        parse_schema(values.get("fields", []))
    except SchemaError as error:
        raise DomainError(
            _("The fields are not valid: %(error)s") % {"error": error}, code="fields"
        ) from error
    number_pattern_check(values.get("number_pattern", ""))
    instance = letter_type or LetterType(code=values["code"])
    try:
        # Checked against the fields as they will be: a field ticked earlier that now holds
        # a NIK refuses the edit.
        public = public_fields_check(
            values.get("fields", instance.fields),
            values.get("public_fields", instance.public_fields),
        )
    except ValidationError as error:
        raise DomainError("; ".join(error.messages), code="public_fields") from error
    values = {**values, "public_fields": public}
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(instance, name, values[name])
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError("; ".join(error.messages), code="invalid") from error
    letter_type_preview(instance)  # a template that does not compile is never saved
    instance.save()
    version = letter_type_version_current(instance, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.LETTER_TYPE_SAVED,
        target=instance,
        data={"code": instance.code, "version": version.number},
    )
    return instance
