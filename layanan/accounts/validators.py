"""Password rules: the guide's (section 12), and Django's validators with messages of our own,
so that every message on our pages says "kata sandi" as the rest of the site does (Django's
Indonesian catalogue mixes "sandi", "kata sandi" and a lowercase "anda")."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _


class MixedCharactersValidator:
    """Upper and lower case letters plus a digit or a symbol, as the guide asks."""

    def validate(self, password: str, user=None) -> None:
        has_upper = re.search(r"[A-Z]", password)
        has_lower = re.search(r"[a-z]", password)
        has_digit_or_symbol = re.search(r"[^A-Za-z]", password)
        if not (has_upper and has_lower and has_digit_or_symbol):
            raise ValidationError(self.get_help_text(), code="password_mixed_characters")

    def get_help_text(self) -> str:
        return gettext(
            "Your password must combine upper and lower case letters with a digit or a symbol.",
        )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "The password is too short: use at least %(min_length)d character.",
            "The password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Your password has at least %(min_length)d character.",
            "Your password has at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Compared with the username (a resident's NIK) and the email."""

    def get_error_message(self) -> str:
        # Not Django's, which names the field: "nama pengguna" for what a resident knows as NIK.
        return _("The password is too similar to your NIK, username or email address.")

    def get_help_text(self) -> str:
        return _("Your password is not like your NIK, username or email address.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password is too common: choose one that is harder to guess.")

    def get_help_text(self) -> str:
        return _("Your password is not a commonly used one.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password has only digits.")

    def get_help_text(self) -> str:
        return _("Your password is not digits only.")
