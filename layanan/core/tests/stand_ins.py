"""Local stand-ins for the servers the project talks to (STYLE.md habit 6), for tests.

`SmtpStandIn` is a tiny SMTP server on a free loopback port. It accepts mail, or refuses
the first few sessions with a temporary error, or stalls: it accepts the connection and
never answers, so that a sender blocks inside its send, as behind a hung mail server.
"""

import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 20.0, process=None) -> bool:
    """Wait until something listens on 127.0.0.1:port (False on timeout or if `process` ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@dataclass
class SmtpStandIn:
    """``mode``: "accept", or "stall". ``refuse_first``: sessions answered 451 at MAIL FROM."""

    mode: str = "accept"
    refuse_first: int = 0
    messages: list[bytes] = field(default_factory=list)
    sessions: list[float] = field(default_factory=list)  # monotonic time of each connection
    connected: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        stand_in = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                stand_in._session(self.rfile, self.wfile)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _session(self, rfile, wfile) -> None:
        with self._lock:
            self.sessions.append(time.monotonic())
            refuse = len(self.sessions) <= self.refuse_first
        self.connected.set()
        if self.mode == "stall":
            self._stop.wait(120)  # hold the connection, never greet
            return

        def reply(line: str) -> None:
            wfile.write(f"{line}\r\n".encode())
            wfile.flush()

        reply("220 stand-in ESMTP")
        while True:
            line = rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                reply("250 stand-in")
            elif command.startswith("MAIL FROM"):
                reply("451 try again later" if refuse else "250 OK")
            elif command.startswith(("RCPT TO", "RSET", "NOOP")):
                reply("250 OK")
            elif command == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while (chunk := rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                with self._lock:
                    self.messages.append(bytes(data))
                reply("250 queued")
            elif command == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not implemented")
