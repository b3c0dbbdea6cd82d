"""Presentation of statistics: durations as people say them ("2 hari 3 jam")."""

import datetime as dt

from django import template
from django.utils.translation import ngettext

register = template.Library()


def duration_text(value: dt.timedelta | None) -> str:
    """The two largest units of a duration: days and hours, or hours and minutes."""
    if value is None:
        return "-"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    if not parts:
        return ngettext("%(count)d minute", "%(count)d minutes", 0) % {"count": 0}
    return " ".join(parts)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """``{{ stats.median_to_issue|duration }}``."""
    return duration_text(value)
