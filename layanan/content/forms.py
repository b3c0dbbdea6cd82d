"""Forms of the Admin Kabupaten's public-information pages."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layanan.content.models import Announcement
from layanan.content.services import AnnouncementValues
from layanan.content.websites import MAX_LENGTH, website_normalise
from layanan.core.uploads import identity_document_clean, upload_size_check

ATTACHMENT_MAX_PAGES = 50


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AnnouncementForm(forms.ModelForm):
    """A Pengumuman: the body is a small HTML subset, sanitised again when saved."""

    attachment_upload = forms.FileField(
        label=_("Attachment (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text=_("Optional. A PDF file; it is shown to everyone with the announcement."),
    )
    remove_attachment = forms.BooleanField(label=_("Remove the attachment"), required=False)

    class Meta:
        model = Announcement
        fields = ["title", "body", "publish_on", "expires_on", "is_pinned"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12}),
            "publish_on": DateInput(),
            "expires_on": DateInput(),
        }
        help_texts = {
            "body": _(
                "Plain text, where a blank line starts a new paragraph, or simple HTML: "
                "<p>, <br>, <strong>, <em>, <ul>, <ol>, <li> and <a href>. "
                "Anything else is removed when saving."
            ),
            "publish_on": _("The announcement appears on the public pages from this day on."),
            "expires_on": _("Optional. The last day it is shown; empty keeps it until removed."),
            "is_pinned": _("Pinned announcements are listed first."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("publish_on", timezone.localdate())
        if not (self.instance.pk and self.instance.attachment):
            del self.fields["remove_attachment"]

    def clean_attachment_upload(self):
        upload = self.cleaned_data.get("attachment_upload")
        if not upload:
            return None
        # Its size first: of a file over every form's limit only the size was kept.
        upload_size_check(upload, max_bytes=settings.LDM_UPLOAD_MAX_BYTES)
        # The content decides, not the name: only a PDF goes on to the full check.
        upload.seek(0)
        is_pdf = upload.read(5) == b"%PDF-"
        upload.seek(0)
        not_pdf = ValidationError(_("The attachment must be a PDF file."), code="attachment_type")
        if not is_pdf:
            raise not_pdf
        clean = identity_document_clean(
            upload,
            max_bytes=settings.LDM_UPLOAD_MAX_BYTES,
            max_pixels=settings.LDM_UPLOAD_MAX_PIXELS,
            max_pdf_pages=ATTACHMENT_MAX_PAGES,
        )
        if clean.extension != "pdf":
            raise not_pdf
        return clean

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        publish_on, expires_on = cleaned.get("publish_on"), cleaned.get("expires_on")
        if publish_on and expires_on and expires_on < publish_on:
            self.add_error(
                "expires_on",
                ValidationError(
                    _("The last day shown cannot be before the first day shown."), code="dates"
                ),
            )
        return cleaned

    def values(self) -> AnnouncementValues:
        data = self.cleaned_data
        return AnnouncementValues(
            title=data["title"],
            body=data["body"],
            publish_on=data["publish_on"],
            expires_on=data["expires_on"],
            is_pinned=data["is_pinned"],
        )


class VillageWebsitesForm(forms.Form):
    """One address field per village of a kecamatan."""

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = list(villages)
        for entry in self.villages:
            self.fields[self.field_name(entry.village.code)] = forms.CharField(
                label=str(entry.village),
                required=False,
                max_length=MAX_LENGTH + 20,  # room for a pasted "https://" before normalising
                initial=entry.website,
                widget=forms.TextInput(
                    attrs={"placeholder": "desa.example", "spellcheck": "false"}
                ),
            )

    @staticmethod
    def field_name(code: str) -> str:
        return "web_" + code.replace(".", "_")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for entry in self.villages:
            name = self.field_name(entry.village.code)
            if name in cleaned:
                try:
                    cleaned[name] = website_normalise(cleaned[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def websites(self) -> dict[str, str]:
        """Village code -> normalised address, for the villages whose field changed."""
        return {
            entry.village.code: self.cleaned_data[self.field_name(entry.village.code)]
            for entry in self.villages
            if self.cleaned_data[self.field_name(entry.village.code)] != entry.website
        }

    def rows(self):
        """(village entry, bound field) pairs for the template."""
        return [(entry, self[self.field_name(entry.village.code)]) for entry in self.villages]
