"""Log records without personal data, as JSON lines in production.

Code is written not to log personal data in the first place (ids, never a NIK or an email
address). `PersonalDataFilter` is the safety net for what slips through anyway (a library's
error message quoting a value, a URL with a NIK in its query string): it masks every
16-digit number (a NIK, a KK number) and every email address in the message and in the
traceback before any handler writes them. `JsonFormatter` writes one JSON object per line,
for a log collector to index.
"""

import datetime as dt
import json
import logging
import re

# A NIK or KK number: 16 digits that are not part of a longer number.
NIK_PATTERN = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
NIK_MASK = "[NIK]"
EMAIL_MASK = "[email]"


def mask_personal_data(text: str) -> str:
    """The text with NIK-like numbers and email addresses replaced by placeholders."""
    return EMAIL_PATTERN.sub(EMAIL_MASK, NIK_PATTERN.sub(NIK_MASK, text))


class PersonalDataFilter(logging.Filter):
    """Mask personal data in a record's message and traceback; never drops a record."""

    _traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logged as it is
            message = str(record.msg)
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    traceback when there is one. Extra fields given with ``extra={"event": ...}`` are kept
    when they are plain values."""

    _standard = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str | int | float | None] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in self._standard and isinstance(value, str | int | float | bool):
                entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)
