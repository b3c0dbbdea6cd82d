"""How a view shows a service's refusal: one place instead of a try/except in every view.

Services raise ``DomainError`` with a message for the person who asked, before changing
anything (DESIGN.md §5). A view runs the call inside ``service_call``; a refusal becomes
an error on the form (when the page shows one again) or a flash message (when the view
redirects), and the view goes on according to ``call.succeeded``::

    with service_call(request) as call:
        letter_revoke(request=letter_request, actor=request.user, reason=reason)
    if call.succeeded:
        messages.success(request, _("The letter is revoked."))
    return redirect(...)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from layanan.core.errors import DomainError


@dataclass
class ServiceCall:
    """The outcome of the service call made in a ``with service_call(...)`` block."""

    succeeded: bool = False
    error: DomainError | None = None


@contextmanager
def service_call(
    request: HttpRequest, *, form: forms.BaseForm | None = None, field: str | None = None
) -> Iterator[ServiceCall]:
    """Run a service call; show a ``DomainError`` on ``form`` (at ``field``, or above the
    form) or, without a form, as an error message of the next page."""
    call = ServiceCall()
    try:
        yield call
    except DomainError as error:
        call.error = error
        if not error.message:
            pass  # the form shows its own errors already
        elif form is not None:
            form.add_error(field, error.message)
        else:
            messages.error(request, error.message)
    else:
        call.succeeded = True
