"""The Admin Kabupaten's pages: Pengumuman, Website Desa and the news feed."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts.decorators import staff_required
from layanan.content import rules
from layanan.content.forms import AnnouncementForm, VillageWebsitesForm
from layanan.content.models import Announcement
from layanan.content.selectors import announcements_for_admin, news_feed_state, website_directory
from layanan.content.services import (
    announcement_create,
    announcement_delete,
    announcement_update,
    village_websites_update,
)
from layanan.content.tasks import fetch_news
from layanan.core.service_calls import service_call
from layanan.regions.selectors import districts_of_deployment

content_admin_required = staff_required(allowed=rules.can_manage_content)


@content_admin_required
@require_GET
def announcement_list(request):
    return render(
        request,
        "content/staff/announcement_list.html",
        {"announcements": announcements_for_admin(), "today": timezone.localdate()},
    )


def _upload_too_large(request, form) -> bool:
    if getattr(request, "upload_too_large", False):
        form.add_error(None, _("The uploaded files are too large."))
        return True
    return False


@content_admin_required
@require_http_methods(["GET", "POST"])
def announcement_create_view(request):
    form = AnnouncementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not _upload_too_large(request, form) and form.is_valid():
        with service_call(request, form=form) as call:
            announcement_create(
                actor=request.user,
                values=form.values(),
                attachment=form.cleaned_data["attachment_upload"],
            )
        if call.succeeded:
            messages.success(request, _("The announcement is saved."))
            return redirect("content:staff-announcements")
    return render(request, "content/staff/announcement_form.html", {"form": form})


@content_admin_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request, pk: int):
    announcement = get_object_or_404(Announcement, pk=pk)
    form = AnnouncementForm(request.POST or None, request.FILES or None, instance=announcement)
    if request.method == "POST" and not _upload_too_large(request, form) and form.is_valid():
        with service_call(request, form=form) as call:
            announcement_update(
                announcement=announcement,
                actor=request.user,
                values=form.values(),
                attachment=form.cleaned_data["attachment_upload"],
                remove_attachment=form.cleaned_data.get("remove_attachment", False),
            )
        if call.succeeded:
            messages.success(request, _("The announcement is saved."))
            return redirect("content:staff-announcements")
    # The form's instance is changed by validation; the page shows the stored one.
    announcement.refresh_from_db()
    return render(
        request,
        "content/staff/announcement_form.html",
        {"form": form, "announcement": announcement},
    )


@content_admin_required
@require_http_methods(["GET", "POST"])
def announcement_delete_view(request, pk: int):
    announcement = get_object_or_404(Announcement, pk=pk)
    if request.method == "POST":
        with service_call(request) as call:
            announcement_delete(announcement=announcement, actor=request.user)
        if call.succeeded:
            messages.success(request, _("The announcement is deleted."))
        return redirect("content:staff-announcements")
    return render(request, "content/staff/announcement_delete.html", {"announcement": announcement})


@content_admin_required
@require_http_methods(["GET", "POST"])
def websites(request):
    """Website Desa: an overview per kecamatan, and the form of one kecamatan."""
    districts = districts_of_deployment()
    code = request.GET.get("kecamatan", "")
    selected = districts.filter(code=code).first() if code else None
    form = None
    if selected is not None:
        (group,) = website_directory(districts.filter(code=selected.code))
        form = VillageWebsitesForm(request.POST or None, villages=group.villages)
        if request.method == "POST" and form.is_valid():
            with service_call(request, form=form) as call:
                changed = village_websites_update(
                    actor=request.user, district=selected, websites=form.websites()
                )
            if call.succeeded:
                messages.success(
                    request,
                    _("Website Desa of Kecamatan %(name)s saved (%(count)s changed).")
                    % {"name": selected.display_name, "count": changed},
                )
                return redirect(f"{request.path}?kecamatan={selected.code}")
    elif request.method == "POST":
        return redirect("content:staff-websites")
    return render(
        request,
        "content/staff/websites.html",
        {"directory": website_directory(districts), "selected": selected, "form": form},
    )


@content_admin_required
@require_GET
def news_status(request):
    return render(
        request,
        "content/staff/news_status.html",
        {
            "feed": news_feed_state(),
            "feed_url": settings.LDM_NEWS_FEED_URL,
            "feed_kind": settings.LDM_NEWS_FEED_KIND,
            "fetch_minutes": settings.LDM_NEWS_FETCH_MINUTES,
        },
    )


@content_admin_required
@require_POST
def news_fetch_now(request):
    """Queue a fetch; without a task broker (the embedded default) it runs right away."""
    fetch_news.delay()
    messages.info(
        request,
        _("The news fetch has been started. The status below shows the latest attempt."),
    )
    return redirect("content:staff-news")
