"""Pieces shared by the forms of several apps."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class PeriodFormMixin(forms.Form):
    """A filter with a ``dari`` (from) and a ``sampai`` (until) date, either optional: the
    start may not come after the end."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("dari"), cleaned.get("sampai")
        if start and end and start > end:
            raise ValidationError(
                _("The start of the period is after its end."), code="period_reversed"
            )
        return cleaned
