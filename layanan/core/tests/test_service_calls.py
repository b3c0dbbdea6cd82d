"""service_call: a service's refusal shown once, as a form error or a message."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from layanan.core.errors import DomainError
from layanan.core.service_calls import service_call


@pytest.fixture
def request_():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    # What MessageMiddleware sets; the stubs do not declare the attribute.
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


class NoteForm(forms.Form):
    note = forms.CharField()


def test_a_call_that_succeeds_says_so_and_shows_nothing(request_):
    with service_call(request_) as call:
        pass

    assert call.succeeded
    assert call.error is None
    assert list(get_messages(request_)) == []


def test_a_refusal_becomes_the_next_page_s_error_message(request_):
    with service_call(request_) as call:
        raise DomainError("Ditolak.", code="nope")

    assert not call.succeeded
    assert call.error.code == "nope"
    assert [str(m) for m in get_messages(request_)] == ["Ditolak."]


def test_a_refusal_shows_on_the_form_when_there_is_one(request_):
    form = NoteForm({"note": "x"})
    assert form.is_valid()

    with service_call(request_, form=form, field="note") as call:
        raise DomainError("Catatan ditolak.")

    assert not call.succeeded
    assert form.errors == {"note": ["Catatan ditolak."]}
    assert list(get_messages(request_)) == []


def test_other_errors_are_not_swallowed(request_):
    with pytest.raises(ValueError, match="bug"), service_call(request_):
        raise ValueError("bug")
