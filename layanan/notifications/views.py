"""A developer's mailbox: the emails the embedded default wrote to var/mail (DEBUG only)."""

import email
import email.policy
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

_SEPARATOR = "-" * 79


def _messages() -> list[dict]:
    folder = Path(settings.EMAIL_FILE_PATH)
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        chunks = path.read_text(encoding="utf-8", errors="replace").split(_SEPARATOR)
        for index, chunk in enumerate(reversed([c for c in chunks if c.strip()])):
            message = email.message_from_string(chunk.strip(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            found.append(
                {
                    "id": f"{path.stem}-{index}",
                    "to": message["To"],
                    "subject": message["Subject"],
                    "date": message["Date"],
                    "body": body.get_content() if body else "",
                }
            )
    return found[:200]


def mailbox(request, message_id: str | None = None):
    if not settings.DEBUG:  # the URL exists only in DEBUG; belt and braces
        raise Http404
    messages = _messages()
    selected = next((m for m in messages if m["id"] == message_id), None)
    if message_id and selected is None:
        raise Http404
    return render(
        request,
        "notifications/mailbox.html",
        {"mail": messages, "selected": selected or (messages[0] if messages else None)},
    )
