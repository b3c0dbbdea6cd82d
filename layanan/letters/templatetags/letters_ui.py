"""Presentation of letter requests shared by the resident's and the staff's pages."""

from django import template
from django.utils.html import format_html

from layanan.letters.models import RequestStatus

register = template.Library()

_BADGE_CLASSES = {
    RequestStatus.PROSES: "text-bg-warning",
    RequestStatus.KONSEP: "text-bg-info",
    RequestStatus.TERBIT: "text-bg-success",
}


@register.simple_tag
def status_badge(letter_request) -> str:
    """The request's status as a coloured badge (a tag, not an include: lists show one a
    row, and an include costs several times as much to render)."""
    css = _BADGE_CLASSES.get(letter_request.status, "text-bg-secondary")
    return format_html('<span class="badge {}">{}</span>', css, letter_request.get_status_display())
