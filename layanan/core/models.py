"""Shared models: named counters for numbers that must never repeat or skip."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """The last number handed out in a series, e.g. registrations of one day or the letters
    of one village in one year. Incremented under a row lock inside the transaction that
    uses the number, so a rolled-back transaction gives its number back."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
