"""A TCP proxy in front of PostgreSQL that can betray a COMMIT, for fault tests.

Modes, armed for the next COMMIT a client sends (PostgreSQL's simple query ``COMMIT``) of a
transaction that updated letter requests (``MARKER``):

* ``lose_reply``: the COMMIT reaches the server, which commits; its answer never reaches the
  client, whose connection is then cut (a network failure at the worst moment);
* ``hold``: the COMMIT is kept back, so the transaction stays open until the client dies; a
  server whose client vanished rolls the transaction back.

Every other byte passes through unchanged, on any number of connections.
"""

import contextlib
import socket
import threading
from dataclasses import dataclass, field

COMMIT_QUERY = b"Q\x00\x00\x00\x0bCOMMIT\x00"
# Only the COMMIT of a transaction that wrote letter requests is betrayed: the signer commits
# other transactions first (the passphrase's count, kept in the database without a shared
# cache), which are not the commit under test.
MARKER = b'UPDATE "letters_letterrequest"'


@dataclass
class CommitProxy:
    upstream: tuple[str, int]
    port: int = 0
    mode: str = "forward"
    betrayed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: str) -> None:
        with self._lock:
            self.mode = mode
            self.betrayed.clear()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _cut(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            link = _Link(client, server)
            threading.Thread(target=self._client_to_server, args=(link,), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(link,), daemon=True).start()

    def _take(self) -> str | None:
        """The armed mode, once: it betrays one COMMIT only."""
        with self._lock:
            mode, self.mode = self.mode, "forward"
            return None if mode == "forward" else mode

    def _client_to_server(self, link: "_Link") -> None:
        while data := _recv(link.client):
            link.marked = link.marked or MARKER in data
            if COMMIT_QUERY in data and link.marked and (mode := self._take()) is not None:
                if mode == "lose_reply":
                    link.mute = True
                    link.server.sendall(data)
                    self.betrayed.set()
                    link.muted_commit.wait(5)
                    _cut(link.client)
                    _cut(link.server)
                    return
                if mode == "hold":
                    self.betrayed.set()
                    while _recv(link.client):  # until the client goes away
                        pass
                    _cut(link.server)
                    return
            if COMMIT_QUERY in data:
                link.marked = False
            link.server.sendall(data)
        _cut(link.server)

    def _server_to_client(self, link: "_Link") -> None:
        while data := _recv(link.server):
            if link.mute:
                link.muted_commit.set()  # the server answered the COMMIT: it committed
                continue
            try:
                link.client.sendall(data)
            except OSError:
                break
        _cut(link.client)


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    mute: bool = False
    marked: bool = False  # the open transaction wrote letter requests
    muted_commit: threading.Event = field(default_factory=threading.Event)


def _cut(sock: socket.socket) -> None:
    """Close for good: a blocked ``recv`` in another thread returns, the peer sees the end."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""
