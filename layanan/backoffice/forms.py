"""Forms of the back office."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from layanan.accounts.models import Role
from layanan.core.uploads import identity_document_clean
from layanan.regions.models import Village, VillageOffice


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


class StaffCreateForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.OPERATOR.value, Role.OPERATOR.label), (Role.HEAD.value, Role.HEAD.label)],
    )
    village = forms.ModelChoiceField(label=_("Desa/Kelurahan"), queryset=Village.objects.none())
    username = forms.CharField(
        label=_("Username"),
        max_length=40,
        help_text=_("Lower-case, e.g. operator.kauman."),
        widget=forms.TextInput(attrs={"autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    email = forms.EmailField(label=_("Email"), help_text=_("The password link is sent here."))
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
        self.fields["village"].queryset = (
            Village.objects.filter(district__regency_id=settings.LDM_REGENCY_CODE)
            .select_related("district")
            .order_by("district__name", "name")
        )
        self.fields["village"].label_from_instance = lambda v: (
            f"{v.district.display_name} - {v.kind_label} {v.display_name}"
        )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class StaffEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    email = forms.EmailField(label=_("Email"))
    staff_nik = forms.CharField(label=_("NIK"), max_length=16, required=False)
