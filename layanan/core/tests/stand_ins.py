"""Local stand-ins for the servers the project talks to (STYLE.md habit 6), for tests.

`SmtpStandIn` is a tiny SMTP server on a free loopback port. It accepts mail, or refuses
the first few sessions with a temporary error, or stalls: it accepts the connection and
never answers, so that a sender blocks inside its send, as behind a hung mail server.

`TcpProxy` stands between the site and a real server (Redis, RabbitMQ, PostgreSQL) and fails
the way networks and servers do: it forwards, cuts (closes every connection and refuses new
ones, as a stopped server) or hangs (answers nothing, as a frozen server or a black hole).
"""

import socket
import socketserver
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, what: str, processes=(), log=None) -> None:
    """Wait until ``condition()`` holds; fail at once when one of ``processes`` has ended
    (with the tail of ``log``, a path). No clock: however slow the machine, a wait ends on
    its event or on the death of what should bring it (a process that hangs for good is
    for CI's own limit to stop)."""
    while not condition():
        if any(p.poll() is not None for p in processes):
            tail = log.read_text(errors="replace")[-4000:] if log else ""
            raise AssertionError(f"waiting for {what}: a process it needs ended\n{tail}")
        time.sleep(0.1)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, *, process=None) -> bool:
    """Wait until something listens on 127.0.0.1:port; False if ``process`` ended first."""
    try:
        wait_until(
            lambda: _listening(port),
            what=f"port {port}",
            processes=[process] if process else (),
        )
    except AssertionError:
        return False
    return True


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


class TcpProxy:
    """A TCP proxy from a free loopback port (``port``, the same for its whole life) to
    ``target_host:target_port``, in one of three modes the test switches at any time:

    - ``forward()``: relay both ways (the start);
    - ``cut()``: close every connection and refuse new ones (connection refused);
    - ``hang()``: relay nothing: open connections go silent, new ones are accepted and never
      answered. ``forward()`` afterwards closes the silent ones (what they carried is lost).

    ``accepted`` counts the connections accepted so far.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "forward"
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    def __enter__(self):
        self._listen()
        return self

    def __exit__(self, *exc_info):
        self.mode = "closed"
        self._stop_listening()
        self._close_all()

    def forward(self) -> None:
        if self.mode == "hang":
            self._close_all()
        self.mode = "forward"
        if self._listener is None:
            self._listen()

    def cut(self) -> None:
        self.mode = "cut"
        self._stop_listening()
        self._close_all()

    def hang(self) -> None:
        self.mode = "hang"
        if self._listener is None:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone may not.
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _close_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # the listener was closed: cut, or the end
            with self._lock:
                self.accepted += 1
            self._track(client)
            if self.mode != "forward":
                continue  # hang: accepted, never answered (closed by forward() or the end)
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._close(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source: socket.socket, destination: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self.mode == "hang":
                    continue  # swallowed: the other side hears nothing
                destination.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(destination)
