"""A real local HTTP server standing in for the kabupaten news portal.

It serves the fixtures of ``fixtures/`` and the portal's bad days: no answer at all, an
error, an HTML page, a 50 MB body and a compressed bomb, all generated, never stored.

No case races the fetcher's clock. Every answer but one comes at once (the bomb is
compressed once per session, not per request) and the fetcher's timeout is generous
(TEST_TIMEOUT), so a loaded machine cannot turn "too large" into "timeout". The one
timeout case uses SHORT_TIMEOUT against an address that does not answer for HANG_SECONDS,
far longer, so it cannot get an answer in time either.
"""

import contextlib
import functools
import gzip
import http.server
import threading
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MEGABYTE = 1024 * 1024
# The fetcher's timeout in the tests: far longer than any immediate answer takes.
TEST_TIMEOUT = 5.0
# The timeout of the test that wants one, against /no-answer.xml, which stays silent for
# HANG_SECONDS (or until the next test resets the portal).
SHORT_TIMEOUT = 0.5
HANG_SECONDS = 60.0


# HTML answers live here rather than in fixtures/, where the template linter would read them.
PORTAL_PAGE = b"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Portal Berita Kabupaten Contoh</title>
<link rel="https://api.w.org/" href="/wp-json/">
<link rel="alternate" type="application/rss+xml" title="Feed" href="/rss.xml">
</head><body><h1>Berita</h1><p>Halaman utama portal, bukan feed.</p></body></html>"""
MAINTENANCE_PAGE = b"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Sedang perawatan</title></head>
<body><h1>Situs sedang dalam perawatan</h1><script>alert("maintenance")</script></body></html>"""


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@functools.cache
def gzip_bomb() -> bytes:
    """64 MB of feed in about 64 KB of gzip: computed once (about half a second)."""
    return gzip.compress(b"<rss>" + b" " * (64 * MEGABYTE), compresslevel=9)


class PortalServer(http.server.ThreadingHTTPServer):
    portal: "Portal"


class PortalHandler(http.server.BaseHTTPRequestHandler):
    server: PortalServer
    server_version = "PortalStandIn/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        # The client may give up first (the slow feed's timeout): what that test wants.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self):
        portal = self.server.portal
        path = self.path.split("?", 1)[0]
        portal.requests.append(self.path)
        portal.user_agents.append(self.headers.get("User-Agent", ""))
        if path in portal.documents:
            body, content_type = portal.documents[path]
            self._send(200, body, content_type)
        elif path == "/no-answer.xml":
            portal.release.wait(HANG_SECONDS)  # the client has long given up
            self._send(200, fixture_bytes("rss.xml"), "application/rss+xml")
        elif path == "/error.xml":
            self._send(500, b"<h1>Internal Server Error</h1>", "text/html")
        elif path == "/huge.xml":
            self._stream_huge()
        elif path == "/huge-declared.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(50 * MEGABYTE))
            self.end_headers()
            self._write_quietly(b"<rss>" + b" " * 1024)
        elif path == "/bomb.xml":
            self._send(200, gzip_bomb(), "application/rss+xml", {"Content-Encoding": "gzip"})
        elif path == "/gzip.xml":
            body = gzip.compress(fixture_bytes("rss.xml"))
            self._send(200, body, "application/rss+xml", {"Content-Encoding": "gzip"})
        elif path == "/redirect.xml":
            self.send_response(302)
            self.send_header("Location", "/rss.xml")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"not found", "text/plain")

    def _write_quietly(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def _stream_huge(self):
        """50 MB of a feed that never ends, sent in chunks as it is generated."""
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        item = b"<item><title>x</title><description>" + b"y" * 4000 + b"</description></item>"
        chunk = b"<rss version='2.0'><channel>" + item * 16
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent = 0
        while sent < 50 * MEGABYTE:
            if not self._write_quietly(framed):
                return
            sent += len(chunk)
        self._write_quietly(b"0\r\n\r\n")


class Portal:
    """The stand-in's state: documents by path (changeable by a test) and what it saw."""

    def __init__(self, server: http.server.ThreadingHTTPServer) -> None:
        self.server = server
        self.documents: dict[str, tuple[bytes, str]] = {}
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.release = threading.Event()
        self.reset()

    def reset(self) -> None:
        # A request still waiting at /no-answer.xml (an earlier test's) is let go.
        self.release.set()
        self.release = threading.Event()
        self.documents = {
            "/rss.xml": (fixture_bytes("rss.xml"), "application/rss+xml; charset=utf-8"),
            "/atom.xml": (fixture_bytes("atom.xml"), "application/atom+xml"),
            "/wp-json/wp/v2/posts": (fixture_bytes("wp-posts.json"), "application/json"),
            "/": (PORTAL_PAGE, "text/html; charset=utf-8"),
            "/page.html": (MAINTENANCE_PAGE, "text/html; charset=utf-8"),
        }
        self.requests.clear()
        self.user_agents.clear()

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}{path}"


@pytest.fixture(scope="session")
def _portal_server():
    server = PortalServer(("127.0.0.1", 0), PortalHandler)
    server.daemon_threads = True
    server.block_on_close = False
    server.portal = Portal(server)
    gzip_bomb()  # before the first request, so that serving it is instant
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.portal.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def portal(_portal_server, settings):
    """The stand-in portal, reset for each test, with short limits in the settings."""
    _portal_server.portal.reset()
    settings.LDM_NEWS_FEED_URL = _portal_server.portal.url("/rss.xml")
    settings.LDM_NEWS_FEED_KIND = "auto"
    settings.LDM_NEWS_TIMEOUT_SECONDS = TEST_TIMEOUT
    settings.LDM_NEWS_MAX_BYTES = 2 * MEGABYTE
    return _portal_server.portal


@pytest.fixture
def no_feed(settings):
    settings.LDM_NEWS_FEED_URL = ""
    settings.LDM_NEWS_FEED_KIND = "auto"
