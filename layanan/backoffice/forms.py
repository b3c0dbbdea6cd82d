"""Forms of the back office."""

import re
from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from layanan.accounts.models import Role
from layanan.core.uploads import PHOTO_ACCEPT, identity_document_clean
from layanan.documents.rendering import shipped_body_template
from layanan.letters.fields import (
    SchemaError,
    fields_from_toml,
    fields_to_toml,
    never_public_reason,
    public_fields_check,
    request_specs,
)
from layanan.letters.models import LetterType
from layanan.letters.validity import TOO_SHORT, validity_check
from layanan.regions.models import Village, VillageOffice

ICON_NAME = re.compile(r"^[a-z0-9-]+$")
LOGO_MAX_BYTES = 2 * 1024 * 1024
# A letterhead prints its logo about 2.5 cm wide: 1000 pixels are more than enough.
LOGO_MAX_SIDE = 1000


class VillageOfficeForm(forms.ModelForm):
    """The letterhead of a village, kept by its operator."""

    logo_upload = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
        help_text=_(
            "PNG, JPG, WebP or HEIC, at most 2 MB; square works best. Without one the default "
            "emblem is used."
        ),
    )

    class Meta:
        model = VillageOffice
        fields = ["address", "postal_code", "phone", "email", "website", "office_hours"]

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if value and (len(value) != 5 or not value.isdigit()):
            raise ValidationError(_("A postal code has 5 digits."), code="postal_code")
        return value

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return None
        clean = identity_document_clean(
            upload,
            max_bytes=LOGO_MAX_BYTES,
            # Shrunk to LOGO_MAX_SIDE: a photo of the emblem taken with a phone is fine too.
            max_pixels=settings.LDM_UPLOAD_MAX_PIXELS,
            max_pdf_pages=1,
            max_side=LOGO_MAX_SIDE,
        )
        if clean.extension == "pdf":
            raise ValidationError(_("The logo must be a PNG or JPG image."), code="logo_type")
        return clean


class _VillageWithDistrictField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Village) -> str:
        return f"{obj.district.display_name} - {obj.kind_label} {obj.display_name}"


class StaffCreateForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.OPERATOR.value, Role.OPERATOR.label), (Role.HEAD.value, Role.HEAD.label)],
    )
    village = _VillageWithDistrictField(label=_("Desa/Kelurahan"), queryset=Village.objects.none())
    username = forms.CharField(
        label=_("Username"),
        max_length=40,
        help_text=_("Lower-case, e.g. operator.kauman."),
        widget=forms.TextInput(attrs={"autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("The password link is sent here."),
    )
    staff_nik = forms.CharField(
        label=_("NIK"),
        max_length=16,
        required=False,
        help_text=_("For a village head signing with BSrE: the NIK their certificate is bound to."),
    )
    replace_head = forms.BooleanField(
        label=_("Replace the village's current head"),
        required=False,
        help_text=_(
            "The current head's account is deactivated; the letters they signed stay valid."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Form.fields holds every field as a plain Field; this one is declared above.
        cast(forms.ModelChoiceField, self.fields["village"]).queryset = (
            Village.objects.filter(district__regency_id=settings.LDM_REGENCY_CODE)
            .select_related("district")
            .order_by("district__name", "name")
        )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class StaffEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    email = forms.EmailField(label=_("Email"))
    staff_nik = forms.CharField(label=_("NIK"), max_length=16, required=False)


# --- The letter type editor -------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LetterTypeForm(forms.ModelForm):
    """The district admin's editor of a letter type (texts, rules, fields, template)."""

    requirements_text = forms.CharField(
        label=_("Requirements"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One requirement per line."),
    )
    process_text = forms.CharField(
        label=_("How to apply"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One step per line."),
    )
    fields_text = forms.CharField(
        label=_("Form fields (TOML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            "One [[field]] table per field: name, label, kind (text, textarea, number, year, "
            'date, choice, group), required, help, max_length, format = "nik", min, max, '
            "choices, and for groups min_items, max_items and their own [[field.fields]] "
            "tables. Keperluan is always added. Kind year takes four digits, from 1900 up to "
            "this year unless min and max say otherwise, and prints them as typed (2016, "
            "not 2.016)."
        ),
    )
    public_fields = forms.MultipleChoiceField(
        label=_("Shown on the verification page"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Anyone holding the letter's QR code reads these answers on its verification "
            "page, besides the number, validity, signer, the applicant's name and masked NIK. "
            "A field holding a NIK or income can never be shown."
        ),
    )

    class Meta:
        model = LetterType
        fields = [
            "code",
            "name",
            "category",
            "mode",
            "summary",
            "description",
            "validity_amount",
            "validity_unit",
            "classification_code",
            "number_pattern",
            "icon",
            "is_active",
            "body_template",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "body_template": forms.Textarea(
                attrs={"rows": 16, "class": "font-monospace", "spellcheck": "false"}
            ),
        }
        error_messages = {"validity_amount": {"min_value": TOO_SHORT}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.fields["code"].disabled = True
        self.fields["validity_amount"].widget.attrs["min"] = 1
        self.fields["requirements_text"].initial = "\n".join(instance.requirements or [])
        self.fields["process_text"].initial = "\n".join(instance.process or [])
        self.fields["fields_text"].initial = fields_to_toml(instance.fields or [])
        if not instance.body_template:
            self.fields["body_template"].initial = shipped_body_template(instance.code or "")
        self._public_specs = request_specs(self._fields_for_choices())
        offered = {spec.name for spec in self._public_specs}
        cast(forms.MultipleChoiceField, self.fields["public_fields"]).choices = [
            *((spec.name, spec.label) for spec in self._public_specs),
            # Still ticked but just removed from the fields: accepted, and dropped on clean.
            *((name, name) for name in instance.public_fields or [] if name not in offered),
        ]
        self.fields["public_fields"].initial = instance.public_fields or []

    def _fields_for_choices(self) -> list[dict]:
        """The fields as typed (when they parse), so a field added now can be ticked now."""
        if self.is_bound:
            try:
                return fields_from_toml(self.data.get("fields_text", ""))
            except SchemaError:
                pass
        return self.instance.fields or []

    def public_field_options(self) -> list[dict]:
        """The checkboxes of public fields; those that may never be public say why."""
        chosen = set(self["public_fields"].value() or [])
        return [
            {
                "id": f"id_public_fields_{index}",
                "name": spec.name,
                "label": spec.label,
                "reason": never_public_reason(spec),
                "checked": spec.name in chosen,
            }
            for index, spec in enumerate(self._public_specs)
        ]

    def clean_public_fields(self):
        names = self.cleaned_data["public_fields"]
        fields = self.cleaned_data.get("fields_text")
        if fields is None:  # the fields themselves are refused: said there
            return names
        kept = {spec.name for spec in request_specs(fields)}
        return public_fields_check(fields, [name for name in names if name in kept])

    def clean_fields_text(self):
        try:
            return fields_from_toml(self.cleaned_data["fields_text"])
        except SchemaError as error:
            raise forms.ValidationError(
                _("The fields are not valid: %(error)s") % {"error": error}, code="fields"
            ) from error

    def clean(self):
        super().clean()
        amount = self.cleaned_data.get("validity_amount")
        unit = self.cleaned_data.get("validity_unit")
        if amount is not None and unit:
            try:
                validity_check(amount, unit)
            except ValidationError as error:
                self.add_error("validity_amount", error)
        return self.cleaned_data

    def clean_icon(self):
        icon = self.cleaned_data["icon"]
        if not ICON_NAME.match(icon) or not (settings.ICONS_DIR / "solid" / f"{icon}.svg").exists():
            raise forms.ValidationError(_("Unknown icon name."), code="icon")
        return icon

    def values(self) -> dict:
        """What the letter_type_save service stores."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields if name in data}
        values["requirements"] = _lines(data["requirements_text"])
        values["process"] = _lines(data["process_text"])
        values["fields"] = data["fields_text"]
        values["public_fields"] = data.get("public_fields", [])
        # The shipped template, unchanged, is not stored: improvements to it reach the type.
        if (
            values.get("body_template", "").strip()
            == shipped_body_template(values.get("code") or self.instance.code).strip()
        ):
            values["body_template"] = ""
        if not self.instance.pk:
            values["code"] = data["code"]
        return values

    def _post_clean(self):
        # The service validates and saves; the form never half-applies values to the model.
        pass
