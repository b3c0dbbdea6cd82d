"""One copy per email, even when the mail server is slow: a stable Message-ID on every attempt,
and a send whose outcome is unknown is not repeated (layanan/notifications/delivery.py).

Django's real SMTP backend talks to a tiny SMTP server started by the test, on loopback.
"""

import datetime as dt
import email
import email.policy
import socketserver
import threading
from contextlib import suppress

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from layanan.core.tests.stand_ins import free_port
from layanan.notifications.delivery import EmailBusy, email_send, emails_send_pending
from layanan.notifications.models import EmailStatus, OutgoingEmail
from layanan.notifications.services import email_queue
from layanan.notifications.tasks import send_email, send_pending_emails

pytestmark = pytest.mark.django_db

CONTEXT = {"name": "Siti", "path": "/profil/"}
TIMEOUT = 0.5  # EMAIL_TIMEOUT, seconds
SLOW = 3 * TIMEOUT  # a final reply this late is never read


class SmtpServer:
    """A small SMTP server on 127.0.0.1 (a free port, or ``port``) in a thread.

    It keeps every message it receives (counted when the final "." arrives, as a real
    server queues it then) and answers the message with ``replies`` in turn (then 250),
    each after ``delay`` seconds: longer than EMAIL_TIMEOUT, the sender stops listening
    before the answer comes.
    """

    def __init__(self, *, port: int = 0, delay: float = 0.0, replies: tuple[str, ...] = ()):
        self.delay = delay
        self.replies = list(replies)
        self.messages: list[bytes] = []
        self.sessions = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with suppress(OSError):  # a sender that gave up closed its end
                    server._session(self.rfile, self.wfile)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
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

    def message_ids(self) -> list[str]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
            for raw in self.messages
        ]

    def _session(self, rfile, wfile) -> None:
        with self._lock:
            self.sessions += 1

        def reply(line: str) -> None:
            wfile.write(f"{line}\r\n".encode())
            wfile.flush()

        reply("220 test ESMTP")
        while line := rfile.readline():
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                reply("250 test")
            elif command.startswith(("MAIL FROM", "RCPT TO", "RSET", "NOOP")):
                reply("250 OK")
            elif command == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while (chunk := rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                with self._lock:
                    self.messages.append(bytes(data))
                    answer = self.replies.pop(0) if self.replies else "250 queued"
                if self._stop.wait(self.delay):
                    return
                reply(answer)
            elif command == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not implemented")


@pytest.fixture
def smtp_to(settings):
    """``smtp_to(port)``: Django's SMTP backend sends to 127.0.0.1:port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = TIMEOUT
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    def point(port: int) -> None:
        settings.EMAIL_PORT = port

    return point


def _queue() -> OutgoingEmail:
    return email_queue(to="siti@example.com", template="profile_verified", context=CONTEXT)


def _later(queued: OutgoingEmail, *, minutes: int = 10) -> None:
    """The sweep's view some minutes later: the email is old, any lease has run out."""
    past = timezone.now() - dt.timedelta(minutes=minutes)
    OutgoingEmail.objects.filter(pk=queued.pk).update(created_at=past)
    OutgoingEmail.objects.filter(pk=queued.pk, status_changed_at__isnull=False).update(
        status_changed_at=past
    )


def test_every_email_has_its_own_message_id_from_the_start():
    first, second = _queue(), _queue()

    assert first.message_id != second.message_id
    assert first.message_id.startswith("<")
    assert first.message_id.endswith("@desa.localhost>")  # the sender's domain
    first.refresh_from_db()
    assert first.status == EmailStatus.PENDING


def test_a_slow_server_that_took_the_message_gets_one_copy(smtp_to):
    with SmtpServer(delay=SLOW) as server:
        smtp_to(server.port)
        queued = _queue()

        # The task, and the same task again (a retry, the broker delivering it twice) ...
        for _ in range(3):
            send_email.apply(args=[queued.pk])
        # ... and the scheduler's sweep, minutes later.
        _later(queued)
        send_pending_emails.apply()
        emails_send_pending(older_than_seconds=0)

    assert len(server.messages) == 1
    assert server.message_ids() == [queued.message_id]
    queued.refresh_from_db()
    assert (queued.status, queued.sent_at, queued.attempts) == (EmailStatus.UNCERTAIN, None, 1)
    assert queued.last_error == "SMTPServerDisconnected"  # smtplib's word for the timeout
    assert (queued.body_text, queued.body_html) == ("", "")  # counted as delivered


def test_a_server_that_refuses_connections_gets_one_copy_later(smtp_to):
    port = free_port()  # nothing listens there yet
    smtp_to(port)
    queued = _queue()

    send_email.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (EmailStatus.PENDING, 1)
    assert queued.last_error == "ConnectionRefusedError"

    with SmtpServer(port=port) as server:
        _later(queued)
        assert send_pending_emails.apply().get() == 1
        # A retry of the task that arrives after the sweep sent it, and the next sweep.
        assert send_email.apply(args=[queued.pk]).get() is False
        assert emails_send_pending(older_than_seconds=0) == 0

    assert server.message_ids() == [queued.message_id]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.last_error) == (EmailStatus.SENT, 2, "")
    assert queued.sent_at is not None
    assert queued.body_text == ""


def test_a_refused_message_is_sent_again_with_the_same_message_id(smtp_to):
    """451 to the message itself: the server said it did not take it, so it is sent again
    (at least once), and both copies carry the one Message-ID."""
    with SmtpServer(replies=("451 4.3.0 try again later",)) as server:
        smtp_to(server.port)
        queued = _queue()

        send_email.apply(args=[queued.pk])
        queued.refresh_from_db()
        assert (queued.status, queued.last_error) == (EmailStatus.PENDING, "SMTPDataError")
        send_email.apply(args=[queued.pk])

    assert server.message_ids() == [queued.message_id, queued.message_id]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (EmailStatus.SENT, 2)


def test_an_attempt_under_way_is_not_doubled(smtp_to):
    with SmtpServer() as server:
        smtp_to(server.port)
        queued = _queue()
        # Another worker has just claimed it (it is connecting right now).
        OutgoingEmail.objects.filter(pk=queued.pk).update(
            status=EmailStatus.CONNECTING, status_changed_at=timezone.now(), attempts=1
        )

        with pytest.raises(EmailBusy):
            email_send(email_id=queued.pk)
        assert emails_send_pending(older_than_seconds=0) == 0

    assert server.messages == []


def test_an_attempt_lost_while_connecting_is_made_again(smtp_to):
    """A worker killed before it handed anything over: after its lease, sent once."""
    with SmtpServer() as server:
        smtp_to(server.port)
        queued = _queue()
        OutgoingEmail.objects.filter(pk=queued.pk).update(
            status=EmailStatus.CONNECTING, status_changed_at=timezone.now(), attempts=1
        )
        _later(queued)

        assert emails_send_pending(older_than_seconds=0) == 1

    assert server.message_ids() == [queued.message_id]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (EmailStatus.SENT, 2)


def test_an_attempt_lost_while_handing_the_message_over_is_not_repeated(smtp_to):
    """A worker killed after it started handing the message over: perhaps delivered."""
    with SmtpServer() as server:
        smtp_to(server.port)
        queued = _queue()
        OutgoingEmail.objects.filter(pk=queued.pk).update(
            status=EmailStatus.TRANSMITTING, status_changed_at=timezone.now(), attempts=1
        )
        _later(queued)

        assert emails_send_pending(older_than_seconds=0) == 0
        assert send_email.apply(args=[queued.pk]).get() is False

    assert server.messages == []
    queued.refresh_from_db()
    assert (queued.status, queued.last_error) == (EmailStatus.UNCERTAIN, "AttemptAbandoned")
    assert queued.body_text == ""


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_emails_a_message_id_and_their_status():
    executor = MigrationExecutor(connection)
    before, after = (
        [("notifications", "0001_initial")],
        [("notifications", "0002_outgoingemail_message_id_status")],
    )
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("notifications", "OutgoingEmail")
        fields = {"kind": "profile_verified", "to": "siti@example.com", "subject": "Profil"}
        old.objects.create(**fields, body_text="belum terkirim")
        old.objects.create(**fields, body_text="", sent_at=timezone.now(), attempts=1)
        executor.loader.build_graph()
        executor.migrate(after)
    finally:
        latest = MigrationExecutor(connection)  # whatever comes after 0002, for the next tests
        latest.migrate(latest.loader.graph.leaf_nodes("notifications"))

    pending, sent = OutgoingEmail.objects.order_by("pk")
    assert (pending.status, sent.status) == (EmailStatus.PENDING, EmailStatus.SENT)
    assert pending.message_id != sent.message_id
    assert sent.message_id.endswith("@desa.localhost>")
    assert sent.status_changed_at == sent.sent_at
