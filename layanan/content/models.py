"""Public information: news pulled from the kabupaten portal and announcements (Pengumuman).

The village website directory has no model of its own: a village's domain is
``regions.VillageOffice.website``, the same value its letterhead prints.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layanan.content.richtext import html_to_text


class NewsItem(models.Model):
    """One news item copied from the portal's feed; the portal stays the place to read it.

    ``source_id`` is the feed's own identity of the item (RSS guid, Atom id, WordPress post
    guid), so fetching the same feed twice updates rows instead of adding them.
    """

    source_id = models.CharField(_("source id"), max_length=500, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Plain text."))
    link = models.URLField(_("link"), max_length=1000, blank=True)
    image_url = models.URLField(_("image URL"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    first_seen_at = models.DateTimeField(_("first seen at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("news item")
        verbose_name_plural = _("news items")

    def __str__(self) -> str:
        return self.title


class FeedErrorKind(models.TextChoices):
    """Why the last fetch failed, in words an admin can act on. Never the portal's text."""

    NOT_CONFIGURED = "not_configured", _("No valid feed address is configured")
    TIMEOUT = "timeout", _("The portal did not answer in time")
    UNREACHABLE = "unreachable", _("The portal could not be reached")
    HTTP_STATUS = "http_status", _("The portal answered with an error")
    TOO_LARGE = "too_large", _("The feed is larger than allowed")
    NOT_A_FEED = "not_a_feed", _("The address does not serve a news feed")
    INVALID = "invalid", _("The feed could not be read")


class NewsFeedStatus(models.Model):
    """How the last fetches went: one row, so pages can tell visitors honestly."""

    feed_url = models.CharField(_("feed address"), max_length=1000, blank=True)
    feed_kind = models.CharField(_("feed kind"), max_length=20, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error"), null=True, blank=True)
    last_error_kind = models.CharField(
        _("last error kind"), max_length=20, choices=FeedErrorKind.choices, blank=True
    )
    failing_since = models.DateTimeField(
        _("failing since"),
        null=True,
        blank=True,
        help_text=_("The first failed attempt after the last success; empty while it works."),
    )
    last_created = models.PositiveIntegerField(_("items added by the last success"), default=0)
    last_updated = models.PositiveIntegerField(_("items updated by the last success"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("news feed status")
        verbose_name_plural = _("news feed status")

    def __str__(self) -> str:
        return self.feed_url or "-"

    @property
    def is_failing(self) -> bool:
        """The latest attempt failed."""
        return self.failing_since is not None


def _attachment_path(instance: "Announcement", filename: str) -> str:
    # A random name: the title or upload name never becomes part of a path.
    return f"pengumuman/{uuid.uuid4().hex}.pdf"


class AnnouncementQuerySet(models.QuerySet):
    def current(self, today):
        """Shown to the public on ``today``: published, not yet past its last day."""
        return self.filter(publish_on__lte=today).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


class Announcement(models.Model):
    """A Pengumuman of the Admin Kabupaten (Dispermades), shown from ``publish_on`` to
    ``expires_on`` inclusive. ``body`` holds sanitised HTML only (see ``richtext.py``)."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=100, unique=True)
    body = models.TextField(_("text"))
    attachment = models.FileField(
        _("attachment (PDF)"), upload_to=_attachment_path, blank=True, max_length=200
    )
    publish_on = models.DateField(_("shown from"))
    expires_on = models.DateField(_("shown until"), null=True, blank=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-publish_on", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("publish_on")),
                name="announcement_expires_after_publish",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:announcement", kwargs={"slug": self.slug})

    def is_current(self, today) -> bool:
        return self.publish_on <= today and (self.expires_on is None or self.expires_on >= today)

    @property
    def public_state(self) -> str:
        """ "scheduled", "current" or "expired" today (Asia/Jakarta)."""
        today = timezone.localdate()
        if self.publish_on > today:
            return "scheduled"
        return "current" if self.is_current(today) else "expired"

    @property
    def excerpt(self) -> str:
        return html_to_text(self.body, max_length=220)
