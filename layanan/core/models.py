"""Shared models: named counters for numbers that must never repeat or skip, and the
database fallback of the cache's rate limits."""

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


class FallbackEntry(models.Model):
    """A key the cache holds while it can (a rate limit's count or lock, a key claimed once
    such as a used Kode Keamanan), kept here instead while the cache cannot be reached
    (layanan.core.cache, layanan.core.throttle). A row past its expiry means nothing and is
    deleted as new rows come; only the cache's outages write here."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("cache fallback entry")
        verbose_name_plural = _("cache fallback entries")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
