"""Small presentation helpers shared by all templates."""

import re
from functools import cache

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from layanan.core.rules import allowed

register = template.Library()

_ICON_NAME = re.compile(r"^[a-z0-9-]+$")
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@cache
def _icon_svg(name: str, style: str) -> str:
    """The inner markup of a Font Awesome Free icon (CC BY 4.0), read once per process."""
    if not _ICON_NAME.match(name) or style not in {"solid", "regular", "brands"}:
        raise ValueError(f"Bad icon name: {name!r}")
    svg = (settings.ICONS_DIR / style / f"{name}.svg").read_text(encoding="utf-8")
    return _SVG_COMMENT.sub("", svg).replace("<svg ", "<svg {attrs} ", 1)


@register.simple_tag
def icon(name: str, css_class: str = "", style: str = "solid", label: str = "") -> str:
    """Inline an SVG icon; decorative unless a label is given for screen readers."""
    svg = _icon_svg(name, style)
    classes = f"icon {css_class}".strip()
    if label:
        attrs = format_html(
            'class="{}" role="img" aria-label="{}" fill="currentColor"', classes, label
        )
    else:
        attrs = format_html(
            'class="{}" aria-hidden="true" focusable="false" fill="currentColor"', classes
        )
    # The SVG comes from an installed package and the attributes are escaped above.
    return mark_safe(svg.replace("{attrs}", attrs, 1))  # noqa: S308


@register.filter
def paragraphs(text: str) -> list[str]:
    """Split a plain text into paragraphs at blank lines."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


@register.filter
def get_item(mapping: dict, key):
    """``{{ counts|get_item:status }}``: a dict value by a variable key."""
    return mapping.get(key) if mapping else None


@register.filter
def with_labels(cells, labels) -> list[tuple]:
    """``{% for label, cell in cells|with_labels:headers %}``: each cell with its column's
    name, for the ``data-label`` of a table that stacks into cards on phones."""
    return list(zip(labels, cells, strict=False))


@register.simple_tag(takes_context=True)
def may(context, rule: str, obj=None) -> bool:
    """``{% may "letters.can_sign_request" letter_request as can_sign %}``: whether the
    logged-in user passes a named permission rule (``layanan/core/rules.py``), so that a
    button or menu item shows exactly when its action is allowed."""
    return allowed(rule, context.get("user"), obj)
