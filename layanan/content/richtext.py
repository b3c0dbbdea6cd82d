"""Turning untrusted HTML into something safe to show: plain text, or a small subset.

Both feeds and announcement bodies are sanitised once, when they are stored, with nh3
(the Rust html5ever/ammonia sanitiser); templates then mark only those stored values safe.
"""

import html
import re

import nh3

# What an announcement may contain: paragraphs, line breaks, emphasis, lists and links.
ANNOUNCEMENT_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a"})
ANNOUNCEMENT_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})

_BLOCK_TAG = re.compile(r"<\s*(p|br|ul|ol|li)\b", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
# Elements whose text would read as words to a person but only blanks to a parser.
_LINE_BREAKING_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)


def announcement_html_clean(text: str) -> str:
    """The announcement body reduced to the allowed subset, links opened without referrer.

    A body typed as plain text (no paragraph or list tags) gets its blank-line paragraphs
    and line breaks kept, so a textarea without an editor still gives readable text.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if text and not _BLOCK_TAG.search(text):
        paragraphs = [part.strip() for part in _BLANK_LINES.split(text) if part.strip()]
        text = "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs)
    return nh3.clean(
        text,
        tags=set(ANNOUNCEMENT_TAGS),
        attributes={tag: set(names) for tag, names in ANNOUNCEMENT_ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def html_to_text(fragment: str, *, max_length: int | None = None) -> str:
    """Plain text of an HTML fragment: tags dropped, script and style content removed,
    entities decoded, whitespace collapsed, cut at a word boundary to ``max_length``.

    The result is text, not HTML: templates escape it like any other string.
    """
    fragment = _LINE_BREAKING_TAGS.sub(" ", fragment or "")
    # nh3 keeps the text and escapes it; unescaping once gives the text a person reads.
    text = html.unescape(nh3.clean(fragment, tags=set(), strip_comments=True))
    text = _SPACES.sub(" ", text).strip()
    if max_length is not None:
        text = truncate(text, max_length)
    return text


def truncate(text: str, max_length: int) -> str:
    """At most ``max_length`` characters, ending at a whole word with an ellipsis if cut."""
    if len(text) <= max_length:
        return text
    cut = text[: max_length - 1]
    space = cut.rfind(" ")
    if space > max_length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
