"""Writes of public information: news from the portal's feed, Pengumuman, Website Desa."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from layanan.accounts.models import User
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.content import feeds, rules
from layanan.content.models import Announcement, FeedErrorKind, NewsFeedStatus, NewsItem
from layanan.content.richtext import announcement_html_clean, html_to_text
from layanan.content.websites import website_normalise
from layanan.core.errors import DomainError
from layanan.core.uploads import CleanUpload
from layanan.regions.models import District, VillageOffice

logger = logging.getLogger(__name__)

STATUS_ID = 1
# The page shows a few dozen; older items beyond this are dropped after a successful fetch.
NEWS_KEPT = 500


# --- News (Berita) ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewsFetchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_kind: str = ""

    @property
    def ok(self) -> bool:
        return not self.error_kind


def _feed_limits() -> feeds.Limits:
    timeout = float(settings.LDM_NEWS_TIMEOUT_SECONDS)
    return feeds.Limits(
        connect_timeout=min(timeout, 5.0),
        read_timeout=timeout,
        deadline=3 * timeout,
        max_bytes=settings.LDM_NEWS_MAX_BYTES,
    )


def _record_attempt(
    *, url: str, kind: str, error_kind: str, result: NewsFetchResult | None = None
) -> None:
    now = timezone.now()
    with transaction.atomic():
        status, _created = NewsFeedStatus.objects.select_for_update().get_or_create(id=STATUS_ID)
        status.feed_url = url[:1000]
        status.last_attempt_at = now
        fields = ["feed_url", "last_attempt_at"]
        if error_kind:
            status.last_error_at = now
            status.last_error_kind = error_kind
            status.failing_since = status.failing_since or now
            fields += ["last_error_at", "last_error_kind", "failing_since"]
        elif result is not None:  # a fetch without an error always has its result
            status.feed_kind = kind
            status.last_success_at = now
            status.failing_since = None
            status.last_created = result.created
            status.last_updated = result.updated
            fields += [
                "feed_kind",
                "last_success_at",
                "failing_since",
                "last_created",
                "last_updated",
            ]
        status.save(update_fields=fields)


def news_fetch(
    *, url: str | None = None, kind: str | None = None, limits: feeds.Limits | None = None
) -> NewsFetchResult:
    """Fetch the portal's feed and store its items: new ones added, changed ones updated.

    Never raises for a portal failure: the stored items stay as they are and the status row
    records what went wrong, for the pages to say so.
    """
    url = (settings.LDM_NEWS_FEED_URL if url is None else url).strip()
    kind = (settings.LDM_NEWS_FEED_KIND if kind is None else kind) or feeds.FeedKind.AUTO
    if not url:
        _record_attempt(url="", kind="", error_kind=FeedErrorKind.NOT_CONFIGURED)
        return NewsFetchResult(error_kind=FeedErrorKind.NOT_CONFIGURED)
    if kind not in feeds.FeedKind.ALL:
        raise DomainError(_("Unknown news feed kind: %(kind)s.") % {"kind": kind}, code="kind")
    # The network is never touched inside a transaction: a slow portal holds no lock.
    try:
        feed = feeds.load(url, kind=kind, limits=limits or _feed_limits())
    except feeds.FeedError as error:
        logger.warning("news feed fetch failed: %s", error.kind)
        _record_attempt(url=url, kind=kind, error_kind=error.kind)
        return NewsFetchResult(error_kind=error.kind)
    if not feed.items:
        logger.warning("news feed fetch failed: no items")
        _record_attempt(url=url, kind=feed.kind, error_kind=FeedErrorKind.NOT_A_FEED)
        return NewsFetchResult(error_kind=FeedErrorKind.NOT_A_FEED)
    result = _news_store(feed.items)
    _record_attempt(url=url, kind=feed.kind, error_kind="", result=result)
    logger.info(
        "news feed fetched: %s new, %s updated, %s unchanged",
        result.created,
        result.updated,
        result.unchanged,
    )
    return result


@transaction.atomic
def _news_store(items: list[feeds.FeedItem]) -> NewsFetchResult:
    # Locking the status row serialises concurrent fetches, so two of them cannot both
    # insert the same new item.
    NewsFeedStatus.objects.select_for_update().get_or_create(id=STATUS_ID)
    now = timezone.now()
    existing = NewsItem.objects.in_bulk([item.source_id for item in items], field_name="source_id")
    new, changed, unchanged = [], [], 0
    for item in items:
        # A date in the future would pin an item to the top of the list: it is capped.
        published = min(item.published_at, now) if item.published_at else None
        stored = existing.get(item.source_id)
        if stored is None:
            new.append(
                NewsItem(
                    source_id=item.source_id,
                    title=item.title,
                    summary=item.summary,
                    link=item.link,
                    image_url=item.image_url,
                    published_at=published or now,
                    first_seen_at=now,
                    updated_at=now,
                )
            )
            continue
        values = {
            "title": item.title,
            "summary": item.summary,
            "link": item.link,
            "image_url": item.image_url,
            "published_at": published or stored.published_at,
        }
        if any(getattr(stored, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(stored, name, value)
            stored.updated_at = now
            changed.append(stored)
        else:
            unchanged += 1
    NewsItem.objects.bulk_create(new)
    if changed:
        NewsItem.objects.bulk_update(
            changed, ["title", "summary", "link", "image_url", "published_at", "updated_at"]
        )
    kept = NewsItem.objects.values_list("id", flat=True)[:NEWS_KEPT]
    if len(kept) >= NEWS_KEPT:
        NewsItem.objects.exclude(id__in=list(kept)).delete()
    return NewsFetchResult(created=len(new), updated=len(changed), unchanged=unchanged)


# --- Pengumuman ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnouncementValues:
    title: str
    body: str
    publish_on: dt.date
    expires_on: dt.date | None
    is_pinned: bool


def _check_can_manage(actor: User) -> None:
    if not rules.can_manage_content(actor):
        raise DomainError(
            _("Only the Admin Kabupaten can change public information."), code="forbidden"
        )


def _checked(values: AnnouncementValues) -> AnnouncementValues:
    title = html_to_text(values.title)[:200]
    body = announcement_html_clean(values.body)
    if not title:
        raise DomainError(_("Give the announcement a title."), code="title")
    if not html_to_text(body):
        raise DomainError(_("The announcement has no text."), code="body")
    if values.expires_on is not None and values.expires_on < values.publish_on:
        raise DomainError(
            _("The last day shown cannot be before the first day shown."), code="dates"
        )
    return AnnouncementValues(
        title=title,
        body=body,
        publish_on=values.publish_on,
        expires_on=values.expires_on,
        is_pinned=values.is_pinned,
    )


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:80].strip("-") or "pengumuman"
    slug, suffix = base, 2
    taken = Announcement.objects.all()
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def _pdf_only(attachment: CleanUpload | None) -> None:
    if attachment is not None and attachment.extension != "pdf":
        raise DomainError(_("The attachment must be a PDF file."), code="attachment_type")


def _delete_file_after_commit(name: str | None) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def announcement_create(
    *, actor: User, values: AnnouncementValues, attachment: CleanUpload | None = None
) -> Announcement:
    """The Admin Kabupaten publishes a Pengumuman; its body is sanitised before it is stored."""
    _check_can_manage(actor)
    _pdf_only(attachment)
    clean = _checked(values)
    announcement = Announcement(
        title=clean.title,
        slug=_unique_slug(clean.title),
        body=clean.body,
        publish_on=clean.publish_on,
        expires_on=clean.expires_on,
        is_pinned=clean.is_pinned,
        created_by=actor,
    )
    if attachment is not None:
        announcement.attachment.save("lampiran.pdf", ContentFile(attachment.content), save=False)
    try:
        announcement.save()
        audit_record(actor=actor, action=AuditAction.ANNOUNCEMENT_CREATED, target=announcement)
    except Exception:
        # The file was written before the row; without the row nobody could reach it.
        if announcement.attachment.name:
            default_storage.delete(announcement.attachment.name)
        raise
    return announcement


@transaction.atomic
def announcement_update(
    *,
    announcement: Announcement,
    actor: User,
    values: AnnouncementValues,
    attachment: CleanUpload | None = None,
    remove_attachment: bool = False,
) -> Announcement:
    _check_can_manage(actor)
    _pdf_only(attachment)
    clean = _checked(values)
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if clean.title != locked.title:
        locked.slug = _unique_slug(clean.title, exclude_pk=locked.pk)
    locked.title = clean.title
    locked.body = clean.body
    locked.publish_on = clean.publish_on
    locked.expires_on = clean.expires_on
    locked.is_pinned = clean.is_pinned
    old_file = locked.attachment.name
    if attachment is not None:
        locked.attachment.save("lampiran.pdf", ContentFile(attachment.content), save=False)
        _delete_file_after_commit(old_file)
    elif remove_attachment and old_file:
        locked.attachment = ""
        _delete_file_after_commit(old_file)
    locked.save()
    audit_record(actor=actor, action=AuditAction.ANNOUNCEMENT_UPDATED, target=locked)
    return locked


@transaction.atomic
def announcement_delete(*, announcement: Announcement, actor: User) -> None:
    _check_can_manage(actor)
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    audit_record(actor=actor, action=AuditAction.ANNOUNCEMENT_DELETED, target=locked)
    _delete_file_after_commit(locked.attachment.name)
    locked.delete()


# --- Website Desa ---------------------------------------------------------------------------


@transaction.atomic
def village_websites_update(*, actor: User, district: District, websites: dict[str, str]) -> int:
    """Set the website of villages of one kecamatan; returns how many changed.

    ``websites`` maps village codes to addresses ("" for none). A village without an office
    row gets one when it is given an address.
    """
    _check_can_manage(actor)
    villages = {v.code: v for v in district.villages.all()}
    unknown = set(websites) - set(villages)
    if unknown:
        raise DomainError(_("These villages are not in this kecamatan."), code="village")
    try:
        normal = {code: website_normalise(value) for code, value in websites.items()}
    except ValidationError as error:
        raise DomainError(
            _("One of the addresses is not a web address."), code="website"
        ) from error
    offices = VillageOffice.objects.select_for_update().in_bulk(list(normal))
    changed = 0
    for code, website in normal.items():
        office = offices.get(code)
        if office is None:
            if not website:
                continue
            office = VillageOffice(village=villages[code])
        elif office.website == website:
            continue
        office.website = website
        office.save()
        changed += 1
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.WEBSITES_UPDATED,
            data={"kecamatan": district.code, "changed": changed},
        )
    return changed
