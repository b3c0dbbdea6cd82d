"""Forms of the back office."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from layanan.core.uploads import identity_document_clean
from layanan.regions.models import VillageOffice


class VillageOfficeForm(forms.ModelForm):
    """The letterhead of a village, kept by its operator."""

    logo_upload = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg"}),
        help_text=_("PNG or JPG, square works best; without one the default emblem is used."),
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
            upload, max_bytes=2 * 1024 * 1024, max_pixels=4_000_000, max_pdf_pages=1
        )
        if clean.extension == "pdf":
            raise ValidationError(_("The logo must be a PNG or JPG image."), code="logo_type")
        return clean
