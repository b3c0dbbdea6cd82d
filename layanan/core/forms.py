"""Pieces shared by the forms of several apps."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class PeriodFormMixin:
    """A filter with a ``dari`` (from) and a ``sampai`` (until) date, either optional: the
    start may not come after the end."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("dari"), cleaned.get("sampai")
        if start and end and start > end:
            raise ValidationError(
                _("The start of the period is after its end."), code="period_reversed"
            )
        return cleaned
