"""Constant answers (issue 17, item 7): /lupa-password/ and /registrasi/kirim-ulang/ do the
same steps for an email with an account and one without; the link is looked up, built and
sent after the answer. The timings: bench/bench_constant_answers.py (tests assert none).
"""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.celery import app
from layanan.accounts import views
from layanan.accounts.captcha import COOKIE_NAME, captcha_cookie, captcha_issue
from layanan.accounts.tests.factories import UserFactory
from layanan.core.after_response import after_response
from layanan.core.tests.stand_ins import free_port
from layanan.notifications.models import OutgoingEmail
from layanan.notifications.queueing import broker_breaker

pytestmark = pytest.mark.django_db

KNOWN = "warga@example.com"
UNKNOWN = "tidak-ada@example.com"
PAGES = {
    "reset": (views.PasswordResetView.as_view(), "/lupa-password/"),
    "resend": (views.confirm_resend, "/registrasi/kirim-ulang/"),
}


@pytest.fixture(autouse=True)
def _server_signals():
    """The request signals as a WSGI server sends them, without Django's handler that closes
    the database connection (the test client leaves it out too: it holds the test's
    transaction); a request left unclosed by a failing test is closed at the end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_finished.send(sender=__name__)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def accounts(db):
    UserFactory(email=KNOWN)  # has a password: a reset link
    UserFactory(email="belum@example.com", email_confirmed_at=None)  # a confirmation link


def _challenge() -> str:
    @captcha_cookie
    def page(request):
        captcha_issue(request)
        return HttpResponse()

    return page(RequestFactory().get("/")).cookies[COOKIE_NAME].value


def _post(page: str, email: str, captcha: str, capture, *, address: str = "192.0.2.1"):
    """The page's POST as the WSGI server runs it: started, answered, later closed."""
    view, path = PAGES[page]
    request = RequestFactory().post(path, {"email": email, "captcha": captcha}, REMOTE_ADDR=address)
    request.COOKIES[COOKIE_NAME] = _challenge()
    # As the test client does.
    request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]

    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    request_started.send(sender=__name__)
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = view(request)
    return response, queries


@pytest.mark.parametrize("page", PAGES)
def test_the_answer_is_sent_before_the_email_is_built(
    page, accounts, captcha, django_capture_on_commit_callbacks
):
    email = KNOWN if page == "reset" else "belum@example.com"

    response, _queries = _post(page, email, captcha, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert OutgoingEmail.objects.count() == 0  # nothing built while the page answers
    with django_capture_on_commit_callbacks(execute=True):
        response.close()  # the server has sent the answer
    assert OutgoingEmail.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]


@pytest.mark.parametrize("page", PAGES)
def test_known_and_unknown_emails_take_the_same_steps(
    page, accounts, captcha, django_capture_on_commit_callbacks
):
    known = KNOWN if page == "reset" else "belum@example.com"
    answers = {}
    # Each from its own address, as the per-address limit counts (its first count costs more).
    for email, address in ((known, "192.0.2.1"), (UNKNOWN, "192.0.2.2")):
        response, queries = _post(
            page, email, captcha, django_capture_on_commit_callbacks, address=address
        )
        answers[email] = (response.status_code, response["Location"], len(queries))
        with django_capture_on_commit_callbacks(execute=True):
            response.close()

    assert answers[known] == answers[UNKNOWN]
    assert [message.to for message in mail.outbox] == [[known]]


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response(lambda: done.append(True))

    assert done == [True]


@pytest.fixture
def broker_down():
    """A broker where nothing listens (refused at once), as a deployment whose RabbitMQ is
    down; the app's own connections are set aside meanwhile and restored afterwards."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    pools = (app._pool, app.amqp._producer_pool)
    app._pool, app.amqp._producer_pool = None, None
    app.conf.update(
        broker_url=f"amqp://guest:guest@127.0.0.1:{free_port()}//", task_always_eager=False
    )
    broker_breaker.cache_clear()
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool = pools
        broker_breaker.cache_clear()


def test_a_reset_is_not_lost_when_the_broker_is_down(
    broker_down, accounts, captcha, django_capture_on_commit_callbacks
):
    response, _queries = _post("reset", KNOWN, captcha, django_capture_on_commit_callbacks)
    response.close()

    # Built after the answer in the web process; the outbox sweep sends it later.
    email = OutgoingEmail.objects.get()
    assert email.to == KNOWN
    assert reverse("accounts:password-reset-confirm", args=["x", "y"]).split("x")[0] in (
        email.body_text
    )
