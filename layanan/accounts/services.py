"""Writes to accounts: registration, confirmation, profiles and their verification."""

import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from celery import Task
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from layanan.accounts import rules
from layanan.accounts.choices import DocumentKind, Gender, ProfileStatus
from layanan.accounts.models import (
    IDENTITY_FIELDS,
    STAFF_USERNAME_REGEX,
    ResidentProfile,
    Role,
    User,
)
from layanan.accounts.nik import nik_facts, validate_nik_with_birth_date
from layanan.accounts.selectors import resident_with_nik
from layanan.accounts.signals import staff_left_office
from layanan.accounts.tasks import send_confirmation_again, send_password_reset
from layanan.accounts.tokens import (
    confirmation_email_digest,
    confirmation_token_make,
    confirmation_token_read,
)
from layanan.audit.models import AuditAction
from layanan.audit.services import audit_record
from layanan.core.after_response import after_response
from layanan.core.errors import DomainError
from layanan.core.uploads import CleanUpload
from layanan.notifications.queueing import task_enqueue
from layanan.notifications.services import email_queue
from layanan.regions.models import Village

logger = logging.getLogger(__name__)


# --- Registration ------------------------------------------------------------------------


def _queue_confirmation(user: User) -> None:
    link = reverse("accounts:confirm", kwargs={"token": confirmation_token_make(user)})
    email_queue(
        to=user.email,
        template="account_confirm",
        context={"name": user.full_name, "path": link},
    )


def _queue_existing_account_notice(user: User) -> None:
    email_queue(
        to=user.email,
        template="account_exists",
        context={
            "name": user.full_name,
            "login_path": reverse("accounts:login"),
            "reset_path": reverse("accounts:password-reset"),
        },
    )


def resident_register(
    *,
    nik: str,
    full_name: str,
    birth_place: str,
    birth_date: dt.date,
    email: str,
    password: str,
) -> None:
    """Register a resident, or, if the NIK or email is taken, tell the owner by email.

    Both paths look the same from outside (same answer, one password hash each, one email
    sent after commit), so the form cannot reveal whose NIK or email is registered.
    """
    facts = validate_nik_with_birth_date(nik, birth_date)
    password_hash = make_password(password)
    existing = list(
        User.objects.annotate(email_lower=Lower("email")).filter(
            Q(username=nik) | Q(email_lower=email.lower())
        )
    )
    if existing:
        with transaction.atomic():
            for owner in existing:
                if owner.email:
                    _queue_existing_account_notice(owner)
        logger.info("registration refused: account exists")
        return
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=nik,
                password=password_hash,
                full_name=full_name,
                email=email,
                role=Role.RESIDENT,
            )
            ResidentProfile.objects.create(
                user=user,
                birth_place=birth_place,
                birth_date=birth_date,
                gender=Gender.FEMALE if facts.is_female else Gender.MALE,
            )
            _queue_confirmation(user)
    except IntegrityError:
        # A concurrent registration took the NIK or email first: same answer as above.
        logger.info("registration raced with another for the same account")
        return
    logger.info("resident registered: user %s", user.pk)


@transaction.atomic
def resident_email_confirm(*, token: str) -> User:
    """Confirm the email of the account a link was sent for."""
    read = confirmation_token_read(token)
    user = None
    if read is not None:
        user_id, email_digest = read
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is not None and confirmation_email_digest(user.email) != email_digest:
            user = None
    if user is None:
        raise DomainError(
            _("This confirmation link is invalid or has expired. Ask for a new one below."),
            code="confirmation_invalid",
        )
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


@transaction.atomic
def confirmation_resend(*, email: str) -> int:
    """Send a new confirmation link if an unconfirmed account has this email. Silent otherwise.
    Run by the task ``confirmation_resend_request`` queues; the number of emails queued."""
    user = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.lower(), email_confirmed_at__isnull=True, is_active=True)
        .first()
    )
    if user is None:
        return 0
    _queue_confirmation(user)
    return 1


# --- Requests by email address, answered alike whether it has an account -------------------


def _after_answer(task: Task, email: str, work: Callable[[], object]) -> None:
    """Queue ``task`` for ``email`` once the caller's transaction commits: the same steps for
    every address, the lookup left to the task. Without a broker it runs after the page has
    answered; with a broker that cannot be reached, the same work runs after the answer in
    this process (there is no outbox row yet for a sweep to find)."""

    def enqueue() -> None:
        if not task_enqueue(task, email):
            after_response(work)

    transaction.on_commit(enqueue)


def password_reset_request(*, email: str) -> None:
    """A reset link for ``email``'s accounts, if any, built and sent after the answer."""
    _after_answer(send_password_reset, email, lambda: password_reset_send(email=email))


def confirmation_resend_request(*, email: str) -> None:
    """A new confirmation link for ``email``'s unconfirmed account, if any, after the answer."""
    _after_answer(send_confirmation_again, email, lambda: confirmation_resend(email=email))


@transaction.atomic
def password_reset_send(*, email: str) -> int:
    """Queue a reset link to each active account of ``email`` that has a password (Django's
    rule for its reset form); nothing for an address without one. The number queued."""
    users = User.objects.annotate(email_lower=Lower("email")).filter(
        email_lower=email.lower(), is_active=True
    )
    sent = 0
    for user in users:
        if not user.has_usable_password():
            continue
        email_queue(
            to=user.email,
            template="password_reset",
            context={
                "name": user.full_name,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        sent += 1
    return sent


# --- Profile -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileChanges:
    """What a resident submits on the profile form (documents already cleaned)."""

    values: dict
    ktp: CleanUpload | None = None
    kk: CleanUpload | None = None


def _check_against_nik(user: User, values: Mapping[str, Any]) -> None:
    facts = nik_facts(user.username)
    birth_date = values.get("birth_date")
    if birth_date is not None and not facts.matches_birth_date(birth_date):
        raise DomainError(
            _("The date of birth does not match the one in your NIK."), code="nik_birth_date"
        )
    gender = values.get("gender")
    if gender and gender != (Gender.FEMALE if facts.is_female else Gender.MALE):
        raise DomainError(_("The sex does not match the one in your NIK."), code="nik_gender")


def profile_update(*, profile: ResidentProfile, changes: ProfileChanges) -> ResidentProfile:
    """Save a resident's own profile; changed identity data goes back to the operator."""
    user = profile.user
    _check_against_nik(user, changes.values)
    stored_files: list[str] = []
    replaced_files: list[str] = []
    try:
        with transaction.atomic():
            profile = ResidentProfile.objects.select_for_update().get(pk=profile.pk)
            changed = set()
            for field, value in changes.values.items():
                target = user if field == "full_name" else profile
                if getattr(target, field) != value:
                    setattr(target, field, value)
                    changed.add(field)
            for kind, upload in ((DocumentKind.KTP, changes.ktp), (DocumentKind.KK, changes.kk)):
                if upload is None:
                    continue
                file = profile.document(kind)
                if file:
                    replaced_files.append(file.name)
                file.save(f"{kind}.{upload.extension}", ContentFile(upload.content), save=False)
                stored_files.append(file.name)
                changed.add(f"{kind}_file")
            identity_changed = sorted(changed & set(IDENTITY_FIELDS))
            if identity_changed and profile.status != ProfileStatus.UNVERIFIED:
                if profile.status == ProfileStatus.VERIFIED:
                    audit_record(
                        actor=user,
                        action=AuditAction.PROFILE_RESET,
                        village=profile.village,
                        subject=user,
                        target=profile,
                        data={"fields": identity_changed},
                    )
                profile.status = ProfileStatus.UNVERIFIED
                profile.rejection_reason = ""
                profile.status_changed_at = timezone.now()
                profile.status_changed_by = user
            if identity_changed:
                profile.submitted_at = timezone.now()
            if "full_name" in changed:
                user.save(update_fields=["full_name"])
            profile.save()
    except Exception:
        # Nothing half-done: files written for a change that did not commit go too.
        for name in stored_files:
            profile.ktp_file.storage.delete(name)
        raise
    storage = profile.ktp_file.storage

    def delete_replaced() -> None:
        for name in replaced_files:
            storage.delete(name)

    transaction.on_commit(delete_replaced)
    return profile


def _decide(*, profile: ResidentProfile, actor: User, allowed_from: set[str]) -> ResidentProfile:
    locked = ResidentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    if not rules.can_verify_profile(actor, locked):
        raise DomainError(
            _("Only an operator of the resident's village can verify this profile."),
            code="forbidden",
        )
    if locked.status not in allowed_from:
        raise DomainError(
            _("This profile is already %(status)s.") % {"status": locked.get_status_display()},
            code="illegal_transition",
        )
    return locked


@transaction.atomic
def profile_verify(*, profile: ResidentProfile, actor: User) -> ResidentProfile:
    """The operator confirms that the data matches the KTP and KK."""
    profile = _decide(profile=profile, actor=actor, allowed_from={ProfileStatus.UNVERIFIED})
    if not profile.is_complete:
        raise DomainError(
            _("The profile is not complete yet: %(missing)s.")
            % {"missing": ", ".join(profile.missing_fields())},
            code="incomplete",
        )
    return _decision_record(
        profile=profile,
        actor=actor,
        status=ProfileStatus.VERIFIED,
        action=AuditAction.PROFILE_VERIFIED,
        email_template="profile_verified",
        email_context={"path": reverse("accounts:profile")},
    )


@transaction.atomic
def profile_reject(*, profile: ResidentProfile, actor: User, reason: str) -> ResidentProfile:
    """The operator sends the profile back with what the resident must fix."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Write the reason for the rejection."), code="reason_required")
    profile = _decide(
        profile=profile,
        actor=actor,
        allowed_from={ProfileStatus.UNVERIFIED, ProfileStatus.VERIFIED},
    )
    return _decision_record(
        profile=profile,
        actor=actor,
        status=ProfileStatus.REJECTED,
        reason=reason,
        action=AuditAction.PROFILE_REJECTED,
        email_template="profile_rejected",
        email_context={"reason": reason, "path": reverse("accounts:profile-edit")},
    )


def _decision_record(
    *,
    profile: ResidentProfile,
    actor: User,
    status: str,
    action: AuditAction,
    email_template: str,
    email_context: Mapping[str, object],
    reason: str = "",
) -> ResidentProfile:
    """Store the operator's decision on a locked profile, audit it and tell the resident."""
    profile.status = status
    profile.rejection_reason = reason
    profile.status_changed_at = timezone.now()
    profile.status_changed_by = actor
    profile.save(
        update_fields=["status", "rejection_reason", "status_changed_at", "status_changed_by"]
    )
    audit_record(
        actor=actor, action=action, village=profile.village, subject=profile.user, target=profile
    )
    email_queue(
        to=profile.user.email,
        template=email_template,
        context={"name": profile.user.full_name, **email_context},
    )
    return profile


def profile_viewed(*, profile: ResidentProfile, actor: User, document: str = "") -> None:
    """Record that staff opened a resident's profile, or its KTP or KK (``document``); the
    owner looking at their own is not audited."""
    if actor.pk == profile.user_id:
        return
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_VIEWED if document else AuditAction.PROFILE_VIEWED,
        village=profile.village,
        subject=profile.user,
        target=profile,
        data={"document": document} if document else None,
    )


# --- Staff accounts (district admin) -----------------------------------------------------


def _check_district_admin(actor: User) -> None:
    if not rules.can_manage_staff(actor):
        raise DomainError(_("Only the district admin can manage staff accounts."), code="forbidden")


def _check_staff_nik(staff_nik: str) -> None:
    if staff_nik:
        try:
            nik_facts(staff_nik)
        except ValidationError as error:
            raise DomainError(error.messages[0], code="nik") from error


def _email_taken(email: str, *, exclude: int | None = None) -> bool:
    if not email:
        return False
    taken = User.objects.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return taken.exists()


def staff_password_link_send(*, actor: User, staff: User) -> None:
    """Email the member a link to set their own password (valid PASSWORD_RESET_TIMEOUT)."""
    _check_district_admin(actor)
    if not staff.email:
        raise DomainError(_("This account has no email address."), code="no_email")
    email_queue(
        to=staff.email,
        template="staff_password",
        context={
            "name": staff.full_name,
            "username": staff.username,
            "uid": urlsafe_base64_encode(force_bytes(staff.pk)),
            "token": default_token_generator.make_token(staff),
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.STAFF_PASSWORD_LINK_SENT,
        village=staff.village,
        target=staff,
    )


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    role: str,
    village: Village,
    username: str,
    full_name: str,
    email: str,
    staff_nik: str = "",
    replace_head: bool = False,
) -> User:
    """A new operator or head for a village; they set their password from an emailed link.

    A village has one current head: a new head either replaces the current one (who stays,
    inactive, as the signer of the letters they signed) or is refused.
    """
    _check_district_admin(actor)
    if role not in (Role.OPERATOR, Role.HEAD):
        raise DomainError(_("Staff accounts are operators or village heads."), code="role")
    if not re.match(STAFF_USERNAME_REGEX, username):
        raise DomainError(
            _("A username has 3 to 40 lower-case letters, digits, dots, hyphens or underscores."),
            code="username",
        )
    if User.objects.filter(username=username).exists():
        raise DomainError(_("This username is taken."), code="username_taken")
    if _email_taken(email):
        raise DomainError(_("Another account uses this email address."), code="email_taken")
    _check_staff_nik(staff_nik)
    if role == Role.HEAD:
        current = User.objects.select_for_update().filter(
            village=village, role=Role.HEAD, is_active=True
        )
        if current.exists() and not replace_head:
            raise DomainError(
                _("%(village)s already has an active head. Tick 'replace' to replace them.")
                % {"village": village},
                code="head_exists",
            )
        for old in current:
            old.is_active = False
            old.save(update_fields=["is_active"])
            staff_left_office.send(sender=User, staff=old)
            audit_record(
                actor=actor, action=AuditAction.STAFF_HEAD_REPLACED, village=village, target=old
            )
    staff = User.objects.create_user(
        username,
        None,
        full_name=full_name,
        email=email,
        role=role,
        village=village,
        staff_nik=staff_nik,
        email_confirmed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.STAFF_CREATED,
        village=village,
        target=staff,
        data={"role": role},
    )
    if email:
        staff_password_link_send(actor=actor, staff=staff)
    return staff


@transaction.atomic
def staff_account_update(
    *, actor: User, staff: User, full_name: str, email: str, staff_nik: str
) -> User:
    _check_district_admin(actor)
    if not staff.is_village_staff:
        raise DomainError(_("Only operators and heads are managed here."), code="role")
    if _email_taken(email, exclude=staff.pk):
        raise DomainError(_("Another account uses this email address."), code="email_taken")
    _check_staff_nik(staff_nik)
    staff.full_name, staff.email, staff.staff_nik = full_name, email, staff_nik
    staff.save(update_fields=["full_name", "email", "staff_nik"])
    audit_record(actor=actor, action=AuditAction.STAFF_UPDATED, village=staff.village, target=staff)
    return staff


@transaction.atomic
def staff_account_set_active(*, actor: User, staff: User, active: bool) -> User:
    """Deactivate (or reactivate) a member; their sessions end, their records stay."""
    _check_district_admin(actor)
    if not staff.is_village_staff:
        raise DomainError(_("Only operators and heads are managed here."), code="role")
    if active and staff.is_head:
        other = User.objects.filter(village=staff.village, role=Role.HEAD, is_active=True).exclude(
            pk=staff.pk
        )
        if other.exists():
            raise DomainError(
                _("%(village)s already has an active head.") % {"village": staff.village},
                code="head_exists",
            )
    staff.is_active = active
    staff.save(update_fields=["is_active"])
    if not active:
        staff_left_office.send(sender=User, staff=staff)
    audit_record(
        actor=actor,
        action=AuditAction.STAFF_ACTIVATED if active else AuditAction.STAFF_DEACTIVATED,
        village=staff.village,
        target=staff,
    )
    return staff


# --- Changes the owner must hear about -------------------------------------------------------


@transaction.atomic
def account_password_set(*, user: User, password: str) -> User:
    """A new password, chosen by its owner (changed while logged in, or through a reset
    link); the owner is told by email, so that a change they did not make does not go
    unnoticed. Other sessions end with the old hash."""
    user.set_password(password)
    user.save(update_fields=["password"])
    if user.email:
        email_queue(
            to=user.email,
            template="password_changed",
            context={
                "name": user.full_name,
                "changed_at": timezone.now(),
                "reset_path": reverse("accounts:password-reset"),
            },
        )
    logger.info("password changed: user %s", user.pk)
    return user


@transaction.atomic
def account_email_change(*, user: User, email: str) -> User:
    """Move an account to a new email address: it is unconfirmed until the link sent to it is
    opened, and the old address is told (whoever changed it, the owner learns it there)."""
    email = email.strip()
    old = user.email
    if email.lower() == old.lower():
        return user
    taken = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.lower())
        .exclude(pk=user.pk)
        .exists()
    )
    if taken:
        raise DomainError(_("Another account already uses this email address."), code="email_taken")
    user.email = email
    user.email_confirmed_at = None
    user.save(update_fields=["email", "email_confirmed_at"])
    if old:
        email_queue(
            to=old,
            template="email_changed",
            context={"name": user.full_name, "changed_at": timezone.now()},
        )
    _queue_confirmation(user)
    logger.info("email changed: user %s", user.pk)
    return user


# --- Recovery at the village office's counter ------------------------------------------------


@dataclass(frozen=True)
class CounterLookup:
    """What an operator's NIK lookup found: the account they may recover, or whether the
    NIK's account belongs to another village (``elsewhere``); neither when no active
    resident has the NIK."""

    profile: ResidentProfile | None = None
    elsewhere: bool = False


@transaction.atomic
def account_lookup_at_counter(*, actor: User, nik: str) -> CounterLookup:
    """The resident account of exactly this NIK, for an operator who holds the person's KTP.

    Every lookup is audited, found or not (the NIK itself never: ``subject`` names the
    account when there is one), so that the log shows who looked whom up; there is no
    list or partial search of residents' NIKs.
    """
    if not rules.can_recover_accounts(actor):
        raise DomainError(_("Only village operators can recover accounts."), code="forbidden")
    profile = resident_with_nik(nik)
    own = profile is not None and rules.can_recover_account(actor, profile)
    audit_record(
        actor=actor,
        action=AuditAction.ACCOUNT_NIK_LOOKED_UP,
        village=actor.village,
        subject=profile.user if profile is not None else None,
        target=profile if own else None,
        data={"found": profile is not None, "recoverable": own},
    )
    if profile is None:
        return CounterLookup()
    return CounterLookup(profile=profile) if own else CounterLookup(elsewhere=True)


def account_email_set_at_counter(*, actor: User, profile: ResidentProfile, email: str) -> User:
    """Move a resident's account to a new email address at the counter, after the operator
    checked the resident's KTP in person (issue: an account the owner cannot reach, made by
    a relative or under a mistyped email).

    The new address becomes the account's email, unconfirmed until the resident opens the
    link sent to it, which also sets their password: the old password is replaced by a
    random one nobody knows, so whoever knew it (and every open session) is out, while the
    account keeps a usable password and "Lupa password" can send a new link when this one
    expires. The old address is told where and when its account was moved. One
    transaction: audited, and both emails queued, or nothing.
    """
    email = email.strip()
    try:
        with transaction.atomic():
            locked = (
                # Only the profile's row: its village may be empty (an outer join, which
                # PostgreSQL cannot lock); the user's row is locked next.
                ResidentProfile.objects.select_for_update(of=("self",))
                .select_related("user", "village")
                .get(pk=profile.pk)
            )
            user = User.objects.select_for_update().get(pk=locked.user_id)
            if not (
                user.is_active and user.is_resident and rules.can_recover_account(actor, locked)
            ):
                raise DomainError(
                    _("Only an operator of the resident's village can change this account."),
                    code="forbidden",
                )
            old = user.email
            if old.lower() == email.lower():
                raise DomainError(
                    _(
                        "This is already the email address of the account. The resident can "
                        "ask for a new password link on the Lupa password page."
                    ),
                    code="email_same",
                )
            if _email_taken(email, exclude=user.pk):
                raise _counter_email_taken()
            changed_at = timezone.now()
            user.email = email
            user.email_confirmed_at = None
            user.set_password(secrets.token_urlsafe(32))
            user.save(update_fields=["email", "email_confirmed_at", "password"])
            audit_record(
                actor=actor,
                action=AuditAction.ACCOUNT_EMAIL_SET_AT_COUNTER,
                village=actor.village,
                subject=user,
                target=locked,
                data={"old_address_told": bool(old)},
            )
            office = str(actor.village)
            if old:
                email_queue(
                    to=old,
                    template="email_changed_at_counter",
                    context={"name": user.full_name, "office": office, "changed_at": changed_at},
                )
            email_queue(
                to=email,
                template="account_recovered",
                context={
                    "name": user.full_name,
                    "office": office,
                    "changed_at": changed_at,
                    # After the save: the token is bound to the new email and password.
                    "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
    except IntegrityError:
        # Another account took the address between the check and the save.
        raise _counter_email_taken() from None
    logger.info("email set at the counter: user %s", user.pk)
    return user


def _counter_email_taken() -> DomainError:
    return DomainError(
        _(
            "Another account already uses this email address, so nothing was changed. Ask the "
            "resident for an email address of their own that has no account here yet."
        ),
        code="email_taken",
    )
