"""Forms of the resident and staff account pages. They parse and check input; services write."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from layanan.accounts.captcha import captcha_check, captcha_version
from layanan.accounts.models import ResidentProfile, User
from layanan.accounts.nik import nik_facts, normalise_nik, validate_nik_with_birth_date
from layanan.accounts.services import account_password_set
from layanan.core.uploads import (
    PHOTO_OR_PDF_ACCEPT,
    identity_document_clean,
    photo_input_attrs,
)
from layanan.regions.models import District, Village
from layanan.regions.selectors import districts_of_deployment, villages_of_district

PASSWORD_HELP = _(
    "At least 8 characters, combining upper and lower case letters with a digit or a symbol."
)
NIK_WIDGET = forms.TextInput(
    attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "20", "spellcheck": "false"}
)


class CaptchaInput(forms.TextInput):
    """The Kode Keamanan box: always shown empty. A form shown again carries a new
    challenge, so the answer typed for the old picture would only be wrong again."""

    def format_value(self, value: Any) -> str | None:
        return None


class CaptchaFormMixin(forms.Form):
    """Adds the Kode Keamanan; the view passes the request that carries the challenge."""

    captcha = forms.CharField(
        label=_("Security code"),
        max_length=8,
        widget=CaptchaInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Type the digits shown in the picture."),
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    @property
    def captcha_version(self) -> str:
        """The mark of the challenge the page shows, for the address of its picture."""
        return captcha_version(self.request) if self.request is not None else ""

    def clean_captcha(self):
        answer = self.cleaned_data["captcha"]
        if not captcha_check(self.request, answer):
            raise ValidationError(
                _("The security code is wrong or has expired. Type the new code shown."),
                code="captcha",
            )
        return answer


class RegistrationForm(CaptchaFormMixin):
    nik = forms.CharField(
        label=_("NIK (Nomor Induk Kependudukan)"),
        widget=NIK_WIDGET,
        help_text=_("The 16 digits on your KTP."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=60)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    email = forms.EmailField(label=_("Active email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    agree = forms.BooleanField(
        label=_("I agree to the terms of use and the privacy policy"),
        error_messages={"required": _("You must agree to the terms to register.")},
    )

    field_order = [
        "nik",
        "full_name",
        "birth_place",
        "birth_date",
        "email",
        "password",
        "agree",
        "captcha",
    ]

    def clean_nik(self):
        nik = normalise_nik(self.cleaned_data["nik"])
        nik_facts(nik)
        return nik

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        nik, birth_date = cleaned.get("nik"), cleaned.get("birth_date")
        if nik and birth_date:
            try:
                validate_nik_with_birth_date(nik, birth_date)
            except ValidationError as error:
                self.add_error("birth_date", error)
        password = cleaned.get("password")
        if password:
            probe = User(
                username=nik or "",
                full_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(CaptchaFormMixin):
    """NIK and password for residents; the staff variant asks for a username."""

    identifier = forms.CharField(label=_("NIK (Nomor Induk Kependudukan)"), widget=NIK_WIDGET)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["identifier", "password", "captcha"]
    # Set by the login view when the account exists but its email is not confirmed yet.
    show_resend = False

    def clean_identifier(self):
        return normalise_nik(self.cleaned_data["identifier"])


class StaffLoginForm(LoginForm):
    identifier = forms.CharField(
        label=_("Username"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )

    def clean_identifier(self):
        return self.cleaned_data["identifier"].strip().lower()


class EmailForm(CaptchaFormMixin):
    email = forms.EmailField(label=_("Email"), max_length=254)


class PasswordResetForm(CaptchaFormMixin, DjangoPasswordResetForm):
    """Django's reset form for its email field, with the Kode Keamanan. It sends nothing:
    the view queues the link (``accounts.services.password_reset_request``)."""

    field_order = ["email", "captcha"]


class ProfileForm(forms.ModelForm):
    """The resident's Edit Profil form (guide section 7)."""

    full_name = forms.CharField(label=_("Full name"), max_length=120)
    # Longer than the stored value: people type "+62 857-4005-0060"; clean_phone normalises.
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    district = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=District.objects.none(), empty_label=_("Choose kecamatan")
    )
    # Accept, limits and help text are set in __init__, from the settings of the moment.
    ktp_upload = forms.FileField(label=_("Upload KTP"), required=False)
    kk_upload = forms.FileField(label=_("Upload KK"), required=False)

    class Meta:
        model = ResidentProfile
        fields = [
            "birth_place",
            "birth_date",
            "gender",
            "address",
            "rt",
            "rw",
            "phone",
            "kk_number",
            "education",
            "marital_status",
            "religion",
            "occupation",
            "citizenship",
            "village",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "rt": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "3"}),
            "rw": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "3"}),
            "kk_number": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "20"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }
        labels = {
            "address": _("Full address as on the KTP"),
            "village": _("Desa/Kelurahan"),
        }

    field_order = [
        "full_name",
        "birth_place",
        "birth_date",
        "gender",
        "address",
        "rt",
        "rw",
        "phone",
        "kk_number",
        "education",
        "marital_status",
        "district",
        "village",
        "religion",
        "occupation",
        "citizenship",
        "ktp_upload",
        "kk_upload",
    ]

    def __init__(self, *args, district_code: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].initial = self.instance.user.full_name
        for name in ("ktp_upload", "kk_upload"):
            self.fields[name].widget.attrs.update(
                photo_input_attrs(
                    accept=PHOTO_OR_PDF_ACCEPT,
                    max_bytes=settings.LDM_UPLOAD_MAX_BYTES,
                    max_side=settings.LDM_UPLOAD_MAX_SIDE,
                )
            )
            self.fields[name].help_text = _(
                "A photo from your phone's camera or a scan: JPG, PNG, HEIC, WebP or PDF, "
                "at most %(mb)s MB."
            ) % {"mb": settings.LDM_UPLOAD_MAX_BYTES // (1024 * 1024)}
        # Form.fields holds every field as a plain Field; these two are declared above.
        district_field = cast(forms.ModelChoiceField, self.fields["district"])
        district_field.queryset = districts_of_deployment()
        if district_code is None and self.instance.village_id:
            district_code = self.instance.village.district_id
        if self.is_bound:
            district_code = self.data.get("district") or district_code
        district_field.initial = district_code
        village_field = cast(forms.ModelChoiceField, self.fields["village"])
        village_field.queryset = (
            villages_of_district(district_code) if district_code else Village.objects.none()
        )
        village_field.empty_label = _("Choose desa/kelurahan")
        for name in ("gender", "education", "marital_status", "religion", "occupation"):
            field = cast(forms.ChoiceField, self.fields[name])  # the model fields have choices
            # django-stubs: the getter's type includes a bare callable, which Django never
            # returns (it wraps callables in a CallableChoiceIterator).
            choices = list(field.choices)  # type: ignore[arg-type]
            field.choices = [("", _("Choose")), *choices[1:]]
        # Always posted by the page (a list with no empty choice); a page opened before the
        # field existed leaves it out, and then the profile keeps the citizenship it has
        # (clean_citizenship).
        self.fields["citizenship"].required = False

    def clean_citizenship(self):
        return self.cleaned_data["citizenship"] or self.instance.citizenship

    def clean_rt(self):
        return self._clean_rt_rw("rt")

    def clean_rw(self):
        return self._clean_rt_rw("rw")

    def _clean_rt_rw(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if value and (not value.isdigit() or len(value) > 3):
            raise ValidationError(_("Use 1 to 3 digits."), code="rt_rw")
        return value.zfill(3) if value else ""

    def clean_phone(self):
        value = "".join(ch for ch in self.cleaned_data["phone"] if ch.isdigit() or ch == "+")
        if not value:
            return ""
        if value.startswith("+62"):
            value = "0" + value[3:]
        elif value.startswith("62"):
            value = "0" + value[2:]
        if not (value.startswith("08") and 10 <= len(value) <= 14 and value[1:].isdigit()):
            raise ValidationError(
                _("Enter an Indonesian mobile number, for example 081234567890."), code="phone"
            )
        return value

    def clean_kk_number(self):
        value = normalise_nik(self.cleaned_data["kk_number"])
        if not value:
            return ""
        if len(value) != 16 or not value.isdigit():
            raise ValidationError(_("A KK number has exactly 16 digits."), code="kk_format")
        try:
            nik_facts(value[:6] + "010100" + value[12:])  # checks the region prefix only
        except ValidationError:
            raise ValidationError(
                _("The first 6 digits of the KK number are not the code of any kecamatan."),
                code="kk_district",
            ) from None
        return value

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def _clean_upload(self, name: str, document: str):
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        try:
            return identity_document_clean(
                upload,
                max_bytes=settings.LDM_UPLOAD_MAX_BYTES,
                max_pixels=settings.LDM_UPLOAD_MAX_PIXELS,
                max_pdf_pages=settings.LDM_UPLOAD_MAX_PDF_PAGES,
                max_side=settings.LDM_UPLOAD_MAX_SIDE,
            )
        except ValidationError as error:
            # The error summary lists the messages without their fields' labels: each one
            # names the document it is about ("KTP: the file is 24.3 MB, ...").
            raise ValidationError(
                [
                    ValidationError(
                        _("%(document)s: %(error)s"),
                        code=item.code,
                        params={"document": document, "error": message},
                    )
                    for item in error.error_list
                    for message in item.messages
                ]
            ) from error

    def clean_ktp_upload(self):
        return self._clean_upload("ktp_upload", "KTP")

    def clean_kk_upload(self):
        return self._clean_upload("kk_upload", "KK")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        district, village = cleaned.get("district"), cleaned.get("village")
        if district and village and village.district_id != district.code:
            self.add_error("village", _("This desa/kelurahan is not in the chosen kecamatan."))
        nik = self.instance.user.username
        birth_date = cleaned.get("birth_date")
        if birth_date:
            try:
                validate_nik_with_birth_date(nik, birth_date)
            except ValidationError as error:
                self.add_error("birth_date", error)
        gender = cleaned.get("gender")
        if gender:
            expected = "P" if nik_facts(nik).is_female else "L"
            if gender != expected:
                self.add_error(
                    "gender", _("The sex does not match your NIK (digits 7-8 of the NIK).")
                )
        return cleaned

    def changed_values(self) -> dict:
        """The profile and name values to hand to the profile_update service."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["full_name"] = self.cleaned_data["full_name"]
        return values

    def _post_clean(self):
        # The service saves; skip ModelForm's construction of the instance here, so that a
        # failed form never leaves half-applied values on the profile object.
        pass


class ProfileRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tell the resident exactly what to fix; they receive it by email."),
    )


def _new_password_fields_reword(form: forms.BaseForm) -> None:
    """The new-password fields of Django's forms in the site's words (Django's Indonesian
    says "sandi"; the site says "kata sandi", as the guide's form asks to repeat it)."""
    first, second = form.fields["new_password1"], form.fields["new_password2"]
    first.label = _("Your new password")
    first.help_text = PASSWORD_HELP
    second.label = _("Your new password again")
    second.help_text = _("Type the new password once more.")


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's change form, saving through the service that also tells the owner."""

    error_messages = {
        "password_mismatch": _("The two new passwords are not the same. Type them again."),
        "password_incorrect": _("Your current password is wrong. Type it again."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Your current password")
        # Shown again with errors, the page's focus belongs to the error summary.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        _new_password_fields_reword(self)

    def save(self, commit: bool = True) -> User:
        return account_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class SetPasswordForm(DjangoSetPasswordForm):
    """Django's form of the reset link, saving through the same service."""

    error_messages = {
        "password_mismatch": _("The two new passwords are not the same. Type them again."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _new_password_fields_reword(self)

    def save(self, commit: bool = True) -> User:
        return account_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class CounterLookupForm(forms.Form):
    """The NIK on the KTP the resident shows at the counter: all 16 digits, looked up exactly."""

    nik = forms.CharField(
        label=_("NIK on the resident's KTP"),
        widget=NIK_WIDGET,
        help_text=_("All 16 digits, as printed on the KTP in front of you."),
    )

    def clean_nik(self):
        nik = normalise_nik(self.cleaned_data["nik"])
        nik_facts(nik)
        return nik


class CounterEmailForm(forms.Form):
    """The new email of an account recovered at the counter, and the operator's word that
    they checked the KTP in person."""

    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "An address the resident can open now. The link to choose a password is sent there."
        ),
    )
    ktp_checked = forms.BooleanField(
        label=_(
            "I have seen the resident's original KTP: its NIK and name match this account, and "
            "its photo matches the person at the counter."
        ),
        error_messages={
            "required": _("Check the original KTP in person first, then tick this box.")
        },
    )
