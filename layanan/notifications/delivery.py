"""Sending what the outbox holds: one email at a time, and never twice when in doubt.

A failed SMTP send is one of two kinds, and they are handled in opposite ways:

- **Clearly not delivered**: the connection was refused or could not be opened (connect,
  greeting, EHLO, STARTTLS, login), or the server answered with an error code (to MAIL,
  RCPT, DATA or to the message itself). The server took nothing, so the email goes back to
  pending and is tried again later: *at least once*.
- **Perhaps delivered**: the connection broke or timed out once the message was being
  handed over, typically a slow server that accepted the message but whose final "250"
  came after EMAIL_TIMEOUT (smtplib's ``sendmail`` -> ``data()`` waits for that reply and
  raises ``SMTPServerDisconnected`` when the socket times out). The server may well have
  queued the message and will deliver it; sending again would deliver a second copy (the
  "duplicate messages" problem of RFC 1047). Such an email becomes ``uncertain`` and is
  never sent again by a retry or the sweep: *at most once*. It is logged as a warning.

Each attempt is recorded in steps, each its own committed transaction, so that what the
row says is true even if the worker dies in between, and no database lock is held while
the mail server is slow:

1. *claim*: lock the row; if pending, mark it ``connecting`` with the time and count the
   attempt. Commit.
2. open the connection (connect, greeting, EHLO, STARTTLS, login). A failure here is clear.
3. mark it ``transmitting``, only if the claim is still this attempt's (the attempt count
   is the fencing token: an attempt taken for dead and claimed again stops here). Commit.
4. send (MAIL, RCPT, DATA, the message, the final reply) and record the outcome: sent, or
   back to pending (refused), or uncertain (anything else).

An attempt still ``connecting`` or ``transmitting`` after its lease (a few EMAIL_TIMEOUTs:
far longer than a live attempt takes to reach the next step) lost its worker. One that was
``connecting`` handed nothing over and is claimed again; one that was ``transmitting``
becomes uncertain. Before the lease runs out, another task for the same email is told the
email is busy (``EmailBusy``) and retries later.

The line between the two kinds is drawn on the safe side: Django's SMTP backend does not
say whether a broken connection broke at MAIL FROM or after the message, so a connection
lost anywhere in step 4 counts as perhaps delivered. A server that hangs between MAIL and
DATA is rare; the price is one email marked uncertain instead of a possible duplicate.

Every attempt sends the Message-ID the row was created with, so that a copy that does get
through twice (a server that delivers a message it answered with an error) is the same
message to the receiving servers and mail programs, which drop duplicates by that header.
"""

import datetime as dt
import logging
import smtplib
from contextlib import suppress

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from layanan.notifications.models import IN_FLIGHT, UNSETTLED, EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)

# How many EMAIL_TIMEOUTs an attempt may stay in one step before it is taken as abandoned:
# opening takes at most a few waits for the server (connect, greeting, EHLO, STARTTLS,
# login), each at most EMAIL_TIMEOUT; a live attempt that is slower still is fenced out.
LEASE_TIMEOUTS = 3
LEASE_WITHOUT_TIMEOUT = dt.timedelta(minutes=5)

# Errors that prove the server took nothing: it refused the connection, or answered a
# command or the message with an error code.
REFUSALS = (
    ConnectionRefusedError,
    smtplib.SMTPResponseException,  # SMTPSenderRefused, SMTPDataError, SMTPHeloError, ...
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPNotSupportedError,  # refused before MAIL FROM (e.g. no SMTPUTF8)
)


class EmailBusy(Exception):
    """Another attempt at this email is under way; try again after its lease."""


class EmailNotAccepted(Exception):
    """The email backend returned without an error but sent nothing."""


def attempt_lease() -> dt.timedelta:
    """How long an attempt may stay in one step before it counts as abandoned."""
    if settings.EMAIL_TIMEOUT is None:
        return LEASE_WITHOUT_TIMEOUT
    return dt.timedelta(seconds=LEASE_TIMEOUTS * settings.EMAIL_TIMEOUT)


def email_send(*, email_id: int) -> bool:
    """Send one queued email if it is still pending; True when sent now.

    Idempotent: an email sent, uncertain or unknown is left alone (False). A clear failure
    is recorded (the email is pending again) and re-raised for the caller (the task) to
    retry later; a perhaps-delivered failure is recorded as uncertain and not raised.
    Raises ``EmailBusy`` while another attempt holds the email.
    """
    email = _claim(email_id)
    if email is None:
        return False
    connection = get_connection()
    try:
        try:
            message = _message(email)
            message.message()  # a message that cannot be built fails here, before any server
            connection.open()
        except Exception as error:  # nothing was handed over: retried later
            _refused(email, error)
            raise
        if not _move(email, (EmailStatus.CONNECTING,), EmailStatus.TRANSMITTING):
            logger.warning("email %s: the attempt was taken over, not sending", email.pk)
            return False
        try:
            if connection.send_messages([message]) != 1:
                raise EmailNotAccepted(email.pk)
        except (*REFUSALS, EmailNotAccepted) as error:
            _refused(email, error)
            raise
        except Exception as error:  # noqa: BLE001 - perhaps delivered: never sent again
            _uncertain(email, type(error).__name__)
            return False
        _move(
            email,
            (EmailStatus.TRANSMITTING, EmailStatus.UNCERTAIN),
            EmailStatus.SENT,
            sent_at=timezone.now(),
            body_text="",
            body_html="",
            last_error="",
        )
    finally:
        # QUIT after the outcome is recorded: a server that is slow to say goodbye, or
        # a connection already closed by a timeout, changes nothing.
        with suppress(Exception):
            connection.close()
    logger.info("email %s (%s) sent", email.pk, email.kind)
    return True


def _claim(email_id: int) -> OutgoingEmail | None:
    """Step 1, committed: the email marked ``connecting`` for this attempt, or None when
    there is nothing to send."""
    now = timezone.now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status not in UNSETTLED:
            return None
        if email.status in IN_FLIGHT and not _lease_over(email, now):
            raise EmailBusy(email_id)
        if email.status == EmailStatus.TRANSMITTING:
            # Its worker died (or hangs) while handing the message over: perhaps delivered.
            _uncertain(email, "AttemptAbandoned")
            return None
        email.status = EmailStatus.CONNECTING
        email.status_changed_at = now
        email.attempts += 1
        email.save(update_fields=["status", "status_changed_at", "attempts"])
    return email


def _lease_over(email: OutgoingEmail, now: dt.datetime) -> bool:
    changed = email.status_changed_at
    return changed is None or changed <= now - attempt_lease()


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _move(email: OutgoingEmail, sources: tuple[str, ...], target: str, **changes: object) -> bool:
    """Move the email to ``target`` if it is still in one of ``sources`` for this attempt
    (one conditional UPDATE, committed on its own); False when another attempt took it."""
    moved = OutgoingEmail.objects.filter(
        pk=email.pk, attempts=email.attempts, status__in=sources
    ).update(status=target, status_changed_at=timezone.now(), **changes)
    return moved == 1


def _refused(email: OutgoingEmail, error: Exception) -> None:
    # Errors are recorded by type only: their text may quote the recipient address.
    _move(email, IN_FLIGHT, EmailStatus.PENDING, last_error=type(error).__name__)
    logger.warning("email %s (%s) failed: %s", email.pk, email.kind, type(error).__name__)


def _uncertain(email: OutgoingEmail, error_name: str) -> None:
    # Counted as delivered, so its links are erased as a sent email's are.
    _move(
        email,
        (EmailStatus.TRANSMITTING,),
        EmailStatus.UNCERTAIN,
        body_text="",
        body_html="",
        last_error=error_name,
    )
    logger.warning(
        "email %s (%s) perhaps delivered (%s): not sent again", email.pk, email.kind, error_name
    )


def emails_send_pending(*, older_than_seconds: int = 60) -> int:
    """Send what the broker never delivered, and settle attempts whose worker was lost
    (called by a schedule or by hand). Returns how many were sent now."""
    now = timezone.now()
    waiting = Q(
        status=EmailStatus.PENDING, created_at__lte=now - dt.timedelta(seconds=older_than_seconds)
    )
    abandoned = Q(status__in=IN_FLIGHT, status_changed_at__lte=now - attempt_lease())
    candidates = OutgoingEmail.objects.filter(status__in=UNSETTLED).filter(waiting | abandoned)
    sent = 0
    for email_id in candidates.values_list("pk", flat=True):
        try:
            sent += email_send(email_id=email_id)
        except Exception:  # noqa: BLE001, S112 - logged in email_send; try the next one
            continue
    return sent
