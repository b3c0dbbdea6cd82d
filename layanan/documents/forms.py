"""Forms of signing: the passphrase is a password field, never echoed back."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from layanan.documents.models import RevocationReason
from layanan.letters.models import LetterRequest


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Signing passphrase"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "The passphrase of your signing certificate, not your login password.",
        ),
    )


class BatchSignForm(PassphraseForm):
    letters = forms.ModelMultipleChoiceField(
        label=_("Letters"),
        queryset=LetterRequest.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one letter to sign.")},
    )

    def __init__(self, *args: Any, queryset: QuerySet[LetterRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields is typed as plain Fields; "letters" is the field declared above.
        letters = cast(forms.ModelMultipleChoiceField, self.fields["letters"])
        letters.queryset = queryset


class NewPassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("New signing passphrase"),
        strip=False,
        min_length=10,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 10 characters, different from your login password. It unlocks your "
            "signing key and is never stored: if you forget it, a new certificate is needed."
        ),
    )
    passphrase_again = forms.CharField(
        label=_("Repeat the passphrase"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns; the stubs allow None
        if cleaned.get("passphrase") != cleaned.get("passphrase_again"):
            self.add_error("passphrase_again", _("The two passphrases differ."))
        return cleaned


# Who revokes a signing certificate, and why (RFC 5280 reasons, as the CRL and OCSP say them).
HOLDER_REVOCATION_REASONS = (
    RevocationReason.KEY_COMPROMISE,
    RevocationReason.CESSATION_OF_OPERATION,
)
ADMIN_REVOCATION_REASONS = (
    RevocationReason.KEY_COMPROMISE,
    RevocationReason.AFFILIATION_CHANGED,
    RevocationReason.CESSATION_OF_OPERATION,
    RevocationReason.UNSPECIFIED,
)


class CertificateRevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), widget=forms.RadioSelect)
    confirm = forms.BooleanField(
        label=_(
            "I understand: this certificate can no longer sign, at once and for good. Letters "
            "it signed before stay valid."
        )
    )

    def __init__(self, *args: Any, reasons: tuple[RevocationReason, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        reason = cast(forms.ChoiceField, self.fields["reason"])
        reason.choices = [(item.value, item.label) for item in reasons]
