"""The filter of the statistics page and its exports (GET parameters)."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from layanan.core.forms import PeriodFormMixin
from layanan.regions.models import Village
from layanan.regions.selectors import districts_of_deployment, villages_of_district


class _VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Village) -> str:
        return str(obj)


class StatisticsFilterForm(PeriodFormMixin, forms.Form):
    """Scope (district admin only) and period of submission.

    Village staff get a form without the scope fields: their scope is always their own
    village, and a ``kecamatan`` or ``desa`` in the query string is not even read.
    """

    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=districts_of_deployment(),
        required=False,
        empty_label=_("Whole kabupaten"),
    )
    desa = _VillageChoiceField(
        label=_("Desa/kelurahan"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("All villages of the kecamatan"),
    )
    dari = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sampai = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, choose_scope: bool, **kwargs):
        data = data.copy() if data is not None else None
        super().__init__(data, **kwargs)
        if not choose_scope:
            del self.fields["kecamatan"]
            del self.fields["desa"]
            return
        district_code = (data or {}).get("kecamatan") or ""
        village_code = (data or {}).get("desa") or ""
        if village_code and not village_code.startswith(f"{district_code}."):
            # Without JavaScript the village list follows the kecamatan only after the form
            # is sent: a village left selected from another kecamatan no longer applies.
            data["desa"] = ""
        if district_code:
            # Form.fields holds every field as a plain Field; this one is declared above.
            village_field = cast(forms.ModelChoiceField, self.fields["desa"])
            village_field.queryset = villages_of_district(district_code).select_related("district")
