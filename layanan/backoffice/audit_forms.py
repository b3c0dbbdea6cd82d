"""Forms of the audit log viewer."""

from typing import cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from layanan.accounts.models import NIK_REGEX
from layanan.audit.models import AuditAction
from layanan.backoffice.audit_selectors import AuditFilter, audit_villages
from layanan.core.forms import PeriodFormMixin
from layanan.regions.models import Village


class _VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Village) -> str:
        return f"{obj} ({_('Kec.')} {obj.district.display_name})"


class AuditFilterForm(PeriodFormMixin, forms.Form):
    """The filters of the list and of its export (GET parameters).

    The resident is named by their profile's public id (``warga``), set by the NIK search
    form (a POST), so that the NIK itself never travels in an address.
    """

    pelaku = forms.CharField(
        label=_("Actor"),
        max_length=60,
        required=False,
        help_text=_("Username of a staff member, or part of anyone's name."),
    )
    desa = _VillageChoiceField(
        label=_("Desa/kelurahan"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("All villages"),
    )
    aksi = forms.ChoiceField(label=_("Action"), required=False)
    dari = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sampai = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    warga = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, actions: list[str], **kwargs):
        super().__init__(data, **kwargs)
        # Form.fields holds every field as a plain Field; these two are declared above.
        cast(forms.ModelChoiceField, self.fields["desa"]).queryset = audit_villages()
        cast(forms.ChoiceField, self.fields["aksi"]).choices = [
            ("", _("All actions")),
            *((action, AuditAction.label_of(action)) for action in actions),
        ]

    def clean_pelaku(self) -> str:
        return self.cleaned_data["pelaku"].strip()

    def audit_filter(self, *, resident=None) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            actor=data["pelaku"],
            village=data["desa"],
            resident=resident,
            action=data["aksi"],
            start=data["dari"],
            end=data["sampai"],
        )


class ResidentSearchForm(forms.Form):
    """Find a resident's entries by NIK (sent by POST, never shown back)."""

    nik = forms.CharField(
        label=_("Resident's NIK"),
        max_length=16,
        validators=[RegexValidator(NIK_REGEX, _("A NIK has exactly 16 digits."))],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{16}"}
        ),
    )
