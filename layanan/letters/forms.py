"""Forms of letter requests: the type's own fields come from fields.LetterDataForm."""

import re
import secrets

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from layanan.accounts.choices import OCCUPATIONS, Citizenship, Gender, MaritalStatus, Religion
from layanan.accounts.nik import nik_facts, normalise_nik
from layanan.letters.models import LetterType

# What secrets.token_urlsafe makes (43 characters from 32 bytes), with room to spare.
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class SubmissionKeyForm(forms.Form):
    """The hidden random key of one form page; the request service records it, so that the
    page posted twice (a double tap, a retry on a bad connection) makes one request.

    Never bound and never invalid: ``key`` is the posted key, or None when the post has
    none (a page from before keys existed, a client that drops it), and then the post is
    simply not deduplicated. The page shows the posted key again when it is shown again
    (errors, a row added without JavaScript): it is still the same, unsent submission.
    """

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, post: QueryDict | None = None) -> None:
        posted = post.get("submission_key", "") if post is not None else ""
        self.key: str | None = posted if SUBMISSION_KEY.fullmatch(posted) else None
        super().__init__(initial={"submission_key": self.key or secrets.token_urlsafe(32)})


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


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the operator"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
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
    citizenship = forms.ChoiceField(
        label=_("Citizenship"), choices=Citizenship.choices, initial=Citizenship.WNI
    )
    address = forms.CharField(label=_("Address as on the KTP, with RT/RW"), max_length=250)

    def __init__(self, *args, nik: str, **kwargs):
        self.nik = nik
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns; the stubs allow None
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
            "citizenship": Citizenship(data["citizenship"]).label,
        }
