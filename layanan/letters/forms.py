"""Forms of letter requests: the type's own fields come from fields.LetterDataForm."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from layanan.accounts.choices import OCCUPATIONS, Gender, MaritalStatus, Religion
from layanan.accounts.nik import nik_facts, normalise_nik
from layanan.letters.fields import SchemaError, fields_from_toml, fields_to_toml
from layanan.letters.models import LetterType

ICON_NAME = re.compile(r"^[a-z0-9-]+$")


def shipped_body_template(code: str) -> str:
    """The Typst body shipped for a type (or the generic one), as the editor's start."""
    from layanan.documents.rendering import TYPST_DIR, body_module  # noqa: PLC0415

    return (TYPST_DIR / "types" / f"{body_module(code)}.typ").read_text(encoding="utf-8")


class AgreementForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I agree to all the requirements and policies that apply"),
        error_messages={"required": _("Tick the agreement to submit the request.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads this reason."),
    )


class WalkInStartForm(forms.Form):
    """Step 1 at the counter: which letter, for whom."""

    letter_type = forms.ModelChoiceField(
        label=_("Letter type"),
        queryset=LetterType.objects.active(),
        empty_label=_("Choose the letter"),
    )
    nik = forms.CharField(
        label=_("Applicant's NIK"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("From the KTP the applicant shows at the counter."),
    )

    def clean_nik(self):
        nik = normalise_nik(self.cleaned_data["nik"])
        nik_facts(nik)
        return nik


class ApplicantForm(forms.Form):
    """Step 2 at the counter, for a person without a verified account: their KTP data."""

    name = forms.CharField(label=_("Full name"), max_length=120)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=60)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(label=_("Sex"), choices=[("", _("Choose")), *Gender.choices])
    religion = forms.ChoiceField(
        label=_("Religion"), choices=[("", _("Choose")), *Religion.choices]
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=[("", _("Choose")), *MaritalStatus.choices]
    )
    occupation = forms.ChoiceField(label=_("Occupation"), choices=[("", _("Choose")), *OCCUPATIONS])
    address = forms.CharField(label=_("Address as on the KTP, with RT/RW"), max_length=250)

    def __init__(self, *args, nik: str, **kwargs):
        self.nik = nik
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        facts = nik_facts(self.nik)
        birth_date = cleaned.get("birth_date")
        if birth_date and not facts.matches_birth_date(birth_date):
            self.add_error("birth_date", _("The date of birth does not match the NIK."))
        gender = cleaned.get("gender")
        if gender and gender != (Gender.FEMALE if facts.is_female else Gender.MALE):
            self.add_error("gender", _("The sex does not match the NIK."))
        return cleaned

    def labels(self) -> dict:
        """Choice fields as the labels printed on the letter."""
        data = self.cleaned_data
        return {
            "gender": Gender(data["gender"]).label,
            "religion": Religion(data["religion"]).label,
            "marital_status": MaritalStatus(data["marital_status"]).label,
            "occupation": dict(OCCUPATIONS)[data["occupation"]],
        }


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
            "One [[field]] table per field: name, label, kind (text, textarea, number, date, "
            'choice, group), required, help, max_length, format = "nik", min, max, choices, '
            "and for groups min_items, max_items and their own [[field.fields]] tables. "
            "Keperluan is always added."
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
            "validity_days",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.fields["code"].disabled = True
        self.fields["requirements_text"].initial = "\n".join(instance.requirements or [])
        self.fields["process_text"].initial = "\n".join(instance.process or [])
        self.fields["fields_text"].initial = fields_to_toml(instance.fields or [])
        if not instance.body_template:
            self.fields["body_template"].initial = shipped_body_template(instance.code or "")

    def clean_fields_text(self):
        try:
            return fields_from_toml(self.cleaned_data["fields_text"])
        except SchemaError as error:
            raise forms.ValidationError(
                _("The fields are not valid: %(error)s") % {"error": error}, code="fields"
            ) from error

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
