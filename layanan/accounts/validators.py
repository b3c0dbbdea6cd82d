"""Password rule of the guide (section 12), on top of Django's validators."""

import re

from django.core.exceptions import ValidationError
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
        return _(
            "Your password must combine upper and lower case letters with a digit or a symbol."
        )
