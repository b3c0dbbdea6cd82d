"""Public pages: the home page, Berita, Informasi Desa (Pengumuman and Website Desa) and
Panduan."""

import datetime as dt

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from layanan.content import guide, rules
from layanan.content.models import Announcement
from layanan.content.selectors import (
    announcement_public,
    announcements_current,
    home_content,
    news_feed_state,
    news_items,
    website_directory,
)
from layanan.letters.selectors import letter_types_by_category

NEWS_PAGE_SIZE = 10


@require_GET
def home(request):
    """Beranda of the public site (guide §3): the catalogue, the latest news and the
    current Pengumuman."""
    return render(
        request,
        "content/home.html",
        {"catalogue": letter_types_by_category(), **home_content()},
    )


@require_GET
def news(request):
    """Berita: the portal's news as last received, with an honest word on the feed's state."""
    page = Paginator(news_items(), NEWS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "content/news.html", {"page": page, "feed": news_feed_state()})


@require_GET
def village_info(request):
    """Informasi Desa (guide §3): the current Pengumuman and the Website Desa directory."""
    return render(
        request,
        "content/village_info.html",
        {"announcements": announcements_current(), "directory": website_directory()},
    )


def _visible_announcement(request, slug: str) -> tuple[Announcement, bool]:
    """The announcement if the public may see it today; the Admin Kabupaten may also preview
    one that is not (yet, or any more) shown. Returns (announcement, is_preview)."""
    announcement = announcement_public(slug)
    if announcement is not None:
        return announcement, False
    if rules.can_manage_content(request.user):
        announcement = Announcement.objects.filter(slug=slug).first()
        if announcement is not None:
            return announcement, True
    raise Http404


@require_GET
def announcement_detail(request, slug: str):
    announcement, is_preview = _visible_announcement(request, slug)
    return render(
        request,
        "content/announcement_detail.html",
        {"announcement": announcement, "is_preview": is_preview},
    )


@require_GET
def announcement_attachment(request, slug: str):
    """The PDF attached to an announcement: public while the announcement is shown."""
    announcement, is_preview = _visible_announcement(request, slug)
    if not announcement.attachment:
        raise Http404
    response = FileResponse(
        announcement.attachment.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{announcement.slug}.pdf",
    )
    response["Cache-Control"] = "private, no-store" if is_preview else "public, max-age=300"
    return response


@require_GET
def guide_index(request):
    return render(
        request,
        "content/guide_index.html",
        {
            "resident_pages": guide.guide_pages(guide.Audience.RESIDENT),
            "staff_pages": guide.guide_pages(guide.Audience.STAFF),
        },
    )


@require_GET
def guide_page(request, slug: str):
    page = guide.guide_page(slug)
    if page is None:
        raise Http404
    siblings = guide.guide_pages(page.audience)
    position = siblings.index(page)
    return render(
        request,
        "content/guide_page.html",
        {
            "page": page,
            "siblings": siblings,
            "previous_page": siblings[position - 1] if position > 0 else None,
            "next_page": siblings[position + 1] if position + 1 < len(siblings) else None,
        },
    )


@require_GET
def privacy_notice(request):
    """Kebijakan Privasi (UU 27/2022 Art. 21): who controls the data, why, on what basis,
    for how long, who receives it, and how residents use their rights."""
    return render(
        request,
        "content/privacy.html",
        {
            "contact_email": settings.LDM_PRIVACY_CONTACT_EMAIL,
            "controller_unit": settings.LDM_PRIVACY_CONTROLLER_UNIT,
            "notice_date": dt.date.fromisoformat(settings.LDM_PRIVACY_NOTICE_DATE),
            "identity_days": settings.LDM_RETENTION_IDENTITY_DOCUMENTS_DAYS,
            "closed_days": settings.LDM_RETENTION_CLOSED_ACCOUNTS_DAYS,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "walk_in_minutes": settings.LDM_WALK_IN_SESSION_SECONDS // 60,
        },
    )
