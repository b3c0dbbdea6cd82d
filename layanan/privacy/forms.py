"""Forms of the residents' rights pages and of the operator's answers."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from layanan.privacy.services import MAX_TEXT


class CorrectionForm(forms.Form):
    what_is_wrong = forms.CharField(
        label=_("What is wrong"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: my date of birth on letter 20221106000059 is wrong."),
        error_messages={"required": _("Write what is wrong.")},
    )
    should_be = forms.CharField(
        label=_("What it should be"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("As on your KTP or KK."),
        error_messages={"required": _("Write what it should be.")},
    )


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Type your password to confirm.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my personal data are deleted for good."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class CorrectionDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Answer"),
        choices=[("selesai", _("Corrected")), ("ditolak", _("Refused"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note or reason"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The resident reads it. A refusal needs a reason."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == "ditolak" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Write the reason for refusing."))
        return cleaned
