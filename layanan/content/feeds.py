"""A thin client for the kabupaten news portal's feed: RSS 2.0, Atom or the WordPress REST API.

Everything the portal sends is untrusted. The client

* bounds the time: connect and read timeouts plus a deadline for the whole transfer, so a
  portal that drips one byte at a time cannot hold a worker;
* bounds the size: the body is streamed and refused past ``max_bytes``, counted after
  decompression (gzip and deflate are decoded here, in bounded steps, so a small compressed
  body cannot expand into gigabytes);
* parses XML with defusedxml (no DTD entity expansion, no external entities);
* turns titles and summaries into plain text (``richtext.html_to_text``) and keeps only
  absolute http(s) links.

Failures raise ``FeedError`` with a kind from ``FeedErrorKind``; nothing of the portal's
answer is echoed in messages or logs.
"""

import datetime as dt
import json
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Literal, overload
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring

from layanan.content.models import FeedErrorKind
from layanan.content.richtext import html_to_text

USER_AGENT = "LayananDesaMandiri/1.0 (news reader of the village letter service)"
MAX_ITEMS = 50
TITLE_LENGTH = 300
SUMMARY_LENGTH = 400
URL_LENGTH = 1000
SOURCE_ID_LENGTH = 500
MAX_REDIRECTS = 5


class FeedKind:
    AUTO = "auto"
    RSS = "rss"
    ATOM = "atom"
    WORDPRESS = "wordpress"

    ALL = (AUTO, RSS, ATOM, WORDPRESS)


class FeedError(Exception):
    """A fetch or parse that failed; ``kind`` is a ``FeedErrorKind`` value."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class FeedItem:
    source_id: str
    title: str
    summary: str
    link: str
    image_url: str
    published_at: dt.datetime | None


@dataclass(frozen=True)
class Feed:
    kind: str
    items: list[FeedItem]


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 2 * 1024 * 1024


# --- fetching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    url: str
    content: bytes
    content_type: str


def fetch(url: str, *, limits: Limits) -> Document:
    """GET ``url`` within the limits; raise FeedError on any failure."""
    if not is_http_url(url):
        raise FeedError(FeedErrorKind.NOT_CONFIGURED, "not an http(s) address")
    timeout = httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.connect_timeout,
    )
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/json, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
        "Accept-Encoding": "gzip, deflate",
    }
    started = time.monotonic()
    try:
        with (
            httpx.Client(
                timeout=timeout,
                headers=headers,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise FeedError(FeedErrorKind.HTTP_STATUS, str(response.status_code))
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FeedError(FeedErrorKind.TOO_LARGE, "declared length")
            content = _read_capped(
                _decoded(response.iter_raw(), response.headers.get("Content-Encoding", "")),
                max_bytes=limits.max_bytes,
                deadline=started + limits.deadline,
            )
            return Document(
                url=str(response.url),
                content=content,
                content_type=response.headers.get("Content-Type", "").lower(),
            )
    except httpx.TimeoutException as error:
        raise FeedError(FeedErrorKind.TIMEOUT) from error
    except httpx.TooManyRedirects as error:
        raise FeedError(FeedErrorKind.UNREACHABLE, "redirects") from error
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise FeedError(FeedErrorKind.UNREACHABLE, type(error).__name__) from error


def _read_capped(chunks: Iterator[bytes], *, max_bytes: int, deadline: float) -> bytes:
    received = bytearray()
    for chunk in chunks:
        received += chunk
        if len(received) > max_bytes:
            raise FeedError(FeedErrorKind.TOO_LARGE)
        if time.monotonic() > deadline:
            raise FeedError(FeedErrorKind.TIMEOUT, "deadline")
    return bytes(received)


def _decoded(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Undo gzip/deflate in steps of at most 64 KiB of output per call."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        yield from chunks
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FeedError(FeedErrorKind.INVALID, "content encoding")
    # 32 + MAX_WBITS accepts both the gzip and the zlib header.
    decompressor = zlib.decompressobj(32 + zlib.MAX_WBITS)
    step = 64 * 1024
    try:
        for chunk in chunks:
            data = chunk
            while data:
                out = decompressor.decompress(data, step)
                yield out
                data = decompressor.unconsumed_tail
                if decompressor.eof:
                    return
    except zlib.error as error:
        raise FeedError(FeedErrorKind.INVALID, "compressed body") from error


# --- detecting and parsing ---------------------------------------------------------------


def load(url: str, *, kind: str = FeedKind.AUTO, limits: Limits | None = None) -> Feed:
    """Fetch and parse the feed at ``url``.

    ``kind`` "auto" recognises RSS, Atom and WordPress JSON by their content; given an
    HTML page (a portal's home page), it follows the page's advertised feed once: the
    WordPress REST API link if there is one, else an RSS/Atom alternate link.
    """
    limits = limits or Limits()
    if kind == FeedKind.WORDPRESS or (kind == FeedKind.AUTO and "/wp-json/" in url):
        url = wordpress_posts_url(url)
    document = fetch(url, limits=limits)
    found = _detect(document)
    if found is None and kind == FeedKind.AUTO and _looks_like_html(document):
        advertised = _advertised_feed(document)
        if advertised is not None:
            document = fetch(advertised, limits=limits)
            found = _detect(document)
    if found is None:
        raise FeedError(FeedErrorKind.NOT_A_FEED)
    if kind not in (FeedKind.AUTO, found):
        raise FeedError(FeedErrorKind.NOT_A_FEED, f"expected {kind}, got {found}")
    return Feed(kind=found, items=parse(document, found))


def wordpress_posts_url(url: str) -> str:
    """The posts endpoint of a WordPress site, with the featured media embedded."""
    parts = urlsplit(url)
    path = parts.path
    if "/wp-json/" not in path and "rest_route=" not in parts.query:
        path = path.rstrip("/") + "/wp-json/wp/v2/posts"
    query = dict(parse_qsl(parts.query))
    query.setdefault("_embed", "1")
    query.setdefault("per_page", "20")
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _body_start(content: bytes) -> bytes:
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()


def _looks_like_html(document: Document) -> bool:
    start = _body_start(document.content)
    return "html" in document.content_type or start.startswith((b"<!doctype html", b"<html"))


def _detect(document: Document) -> str | None:
    start = _body_start(document.content)
    if start.startswith((b"[", b"{")):
        return FeedKind.WORDPRESS
    if not start.startswith(b"<") or start.startswith((b"<!doctype html", b"<html")):
        return None
    # Something that says it is XML but does not parse is a broken feed, not "no feed".
    declared_xml = start.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf"))
    root = _xml_root(document.content, strict=declared_xml)
    if root is None:
        return None
    tag = root.tag
    if tag in {"rss", f"{{{RDF_NS}}}RDF"}:
        return FeedKind.RSS
    if tag == f"{{{ATOM_NS}}}feed":
        return FeedKind.ATOM
    return None


def parse(document: Document, kind: str) -> list[FeedItem]:
    if kind == FeedKind.WORDPRESS:
        items = _parse_wordpress(document)
    elif kind == FeedKind.ATOM:
        items = _parse_atom(document)
    else:
        items = _parse_rss(document)
    unique: dict[str, FeedItem] = {}
    for item in items:
        if item is not None and item.source_id not in unique:
            unique[item.source_id] = item
        if len(unique) >= MAX_ITEMS:
            break
    return list(unique.values())


@overload
def _xml_root(content: bytes, *, strict: Literal[True] = True) -> Element: ...
@overload
def _xml_root(content: bytes, *, strict: bool) -> Element | None: ...
def _xml_root(content: bytes, *, strict: bool = True) -> Element | None:
    try:
        return xml_fromstring(content)
    except (ParseError, DefusedXmlException, ValueError) as error:
        if strict:
            raise FeedError(FeedErrorKind.INVALID, "xml") from error
        return None


# --- values ---------------------------------------------------------------------------------


def is_http_url(value: str) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _url(value: str | None, base: str) -> str:
    """An absolute http(s) URL or ""; relative links are resolved against the feed."""
    value = (value or "").strip()
    if not value or any(ch in value for ch in "\r\n\t<>\"' "):
        return ""
    try:
        absolute = urljoin(base, value)
    except ValueError:
        return ""
    return absolute if is_http_url(absolute) and len(absolute) <= URL_LENGTH else ""


def _date(value: str | None) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)  # WordPress' *_gmt fields carry no zone
    return parsed


def _item(
    *, source_id: str, title: str, summary: str, link: str, image: str, published
) -> FeedItem | None:
    title = html_to_text(title, max_length=TITLE_LENGTH)
    source_id = (source_id or link).strip()[:SOURCE_ID_LENGTH]
    if not title or not source_id:
        return None
    return FeedItem(
        source_id=source_id,
        title=title,
        summary=html_to_text(summary, max_length=SUMMARY_LENGTH),
        link=link,
        image_url=image,
        published_at=published,
    )


# --- RSS 2.0 (and RSS 1.0/RDF) ------------------------------------------------------------------

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
RSS1_NS = "http://purl.org/rss/1.0/"
ATOM_NS = "http://www.w3.org/2005/Atom"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext())


def _find(parent: Element, *names: str) -> Element | None:
    for name in names:
        found = parent.find(name)
        if found is not None:
            return found
    return None


def _media_image(entry: Element, base: str) -> str:
    for name in (f"{{{MEDIA_NS}}}thumbnail", f"{{{MEDIA_NS}}}content"):
        for element in entry.iter(name):
            medium = element.get("medium", "image")
            kind = element.get("type", "image/")
            if medium == "image" and kind.startswith("image/"):
                found = _url(element.get("url"), base)
                if found:
                    return found
    return ""


def _parse_rss(document: Document) -> list[FeedItem | None]:
    root = _xml_root(document.content)
    base = document.url
    entries = root.iter("item") if root.tag == "rss" else root.iter(f"{{{RSS1_NS}}}item")
    items = []
    for entry in entries:
        link = _url(_text(_find(entry, "link", f"{{{RSS1_NS}}}link")), base)
        guid = _text(entry.find("guid")).strip() or entry.get(f"{{{RDF_NS}}}about", "")
        image = _media_image(entry, base)
        enclosure = entry.find("enclosure")
        if not image and enclosure is not None and enclosure.get("type", "").startswith("image/"):
            image = _url(enclosure.get("url"), base)
        summary = _text(_find(entry, "description", f"{{{RSS1_NS}}}description")) or _text(
            entry.find(f"{{{CONTENT_NS}}}encoded")
        )
        items.append(
            _item(
                source_id=guid,
                title=_text(_find(entry, "title", f"{{{RSS1_NS}}}title")),
                summary=summary,
                link=link,
                image=image,
                published=_date(_text(_find(entry, "pubDate", f"{{{DC_NS}}}date"))),
            )
        )
        if len(items) >= MAX_ITEMS * 2:
            break
    return items


# --- Atom ------------------------------------------------------------------------------------


def _parse_atom(document: Document) -> list[FeedItem | None]:
    root = _xml_root(document.content)
    base = document.url
    items = []
    for entry in root.iter(f"{{{ATOM_NS}}}entry"):
        link, image = "", ""
        for element in entry.findall(f"{{{ATOM_NS}}}link"):
            rel = element.get("rel", "alternate")
            if rel == "alternate" and not link:
                link = _url(element.get("href"), base)
            elif rel == "enclosure" and element.get("type", "").startswith("image/"):
                image = image or _url(element.get("href"), base)
        image = image or _media_image(entry, base)
        summary = _text(entry.find(f"{{{ATOM_NS}}}summary")) or _text(
            entry.find(f"{{{ATOM_NS}}}content")
        )
        published = _date(_text(entry.find(f"{{{ATOM_NS}}}published"))) or _date(
            _text(entry.find(f"{{{ATOM_NS}}}updated"))
        )
        items.append(
            _item(
                source_id=_text(entry.find(f"{{{ATOM_NS}}}id")),
                title=_text(entry.find(f"{{{ATOM_NS}}}title")),
                summary=summary,
                link=link,
                image=image,
                published=published,
            )
        )
        if len(items) >= MAX_ITEMS * 2:
            break
    return items


# --- WordPress REST API ------------------------------------------------------------------------


def _rendered(value) -> str:
    if isinstance(value, dict):
        value = value.get("rendered", "")
    return value if isinstance(value, str) else ""


def _wordpress_image(post: dict, base: str) -> str:
    embedded = post.get("_embedded")
    if not isinstance(embedded, dict):
        return ""
    media = embedded.get("wp:featuredmedia")
    if not isinstance(media, list) or not media or not isinstance(media[0], dict):
        return ""
    first = media[0]
    if str(first.get("media_type", "image")) != "image":
        return ""
    source = first.get("source_url")
    return _url(source, base) if isinstance(source, str) else ""


def _parse_wordpress(document: Document) -> list[FeedItem | None]:
    try:
        posts = json.loads(document.content)
    except (ValueError, RecursionError) as error:
        raise FeedError(FeedErrorKind.INVALID, "json") from error
    if not isinstance(posts, list):
        # An error object ({"code": "rest_no_route", ...}) or something else entirely.
        raise FeedError(FeedErrorKind.NOT_A_FEED, "json is not a list of posts")
    base = document.url
    items = []
    for post in posts[: MAX_ITEMS * 2]:
        if not isinstance(post, dict):
            continue
        link = _url(post.get("link") if isinstance(post.get("link"), str) else "", base)
        guid = _rendered(post.get("guid"))
        post_id = post.get("id")
        source_id = guid or (f"wp-post:{post_id}" if isinstance(post_id, int) else "")
        date = post.get("date_gmt") if isinstance(post.get("date_gmt"), str) else None
        items.append(
            _item(
                source_id=source_id,
                title=_rendered(post.get("title")),
                summary=_rendered(post.get("excerpt")),
                link=link,
                image=_wordpress_image(post, base),
                published=_date(date),
            )
        )
    return items


# --- discovery from an HTML page ------------------------------------------------------------------


class _LinkFinder(HTMLParser):
    """Collects <link> elements of a page's head; stops caring after the body starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "link" and len(self.links) < 100:
            self.links.append({k.lower(): (v or "") for k, v in attrs})


def _advertised_feed(document: Document) -> str | None:
    finder = _LinkFinder()
    try:
        finder.feed(document.content[: 512 * 1024].decode("utf-8", errors="replace"))
    except (ValueError, AssertionError):
        return None
    base = document.url
    for link in finder.links:
        if link.get("rel", "").strip() == "https://api.w.org/":
            api = _url(link.get("href"), base)
            if api:
                return wordpress_posts_url(api.rstrip("/") + "/wp/v2/posts")
    for link in finder.links:
        rel = link.get("rel", "").lower().split()
        kind = link.get("type", "").lower()
        if "alternate" in rel and kind in ("application/rss+xml", "application/atom+xml"):
            found = _url(link.get("href"), base)
            if found:
                return found
    return None
