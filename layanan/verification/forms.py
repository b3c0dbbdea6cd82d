from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD = 10 * 1024 * 1024


class UploadCheckForm(forms.Form):
    document = forms.FileField(
        label=_("The letter's PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text=_("The electronic original you received (at most 10 MB)."),
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
        return upload.read(MAX_UPLOAD + 1)


class AccessCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Access code"),
        max_length=20,
        help_text=_("The 8 characters printed beside the letter's QR code, e.g. K7QM-2XPA."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
