"""Kesiapan Desa: whether a village is set up to serve its residents from day one.

A village is ready when it has an active operator, an active head whose signing
certificate can sign now, a letterhead with address, telephone and logo, and a website.
The same checklist is shown to the Admin Kabupaten for every village of the kabupaten
(with the kabupaten's waiting requests) and to a village's own staff as their to-do list;
``readiness_steps`` says, for the person looking, where each missing item is fixed.

Every read here costs a fixed number of queries, however many villages there are (248
in Kabupaten Batang): villages with their letterhead, their active staff, and the heads'
signing credentials are each one query, and the rest is computed in Python.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet, TextChoices
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from layanan.accounts import rules as account_rules
from layanan.accounts.models import VILLAGE_ROLES, Role, User
from layanan.backoffice import rules
from layanan.backoffice.statistics import (
    WaitingRequest,
    requests_waiting_longest,
    scope_of_regency,
)
from layanan.content import rules as content_rules
from layanan.documents.models import SigningCredential
from layanan.letters import rules as letter_rules
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.regions.models import Village, VillageOffice

# The statuses in which a request waits for the village: the operator (Proses) or the
# head's signature (Konsep).
WAITING_STATUSES = (RequestStatus.PROSES, RequestStatus.KONSEP)


class ReadinessItem(TextChoices):
    """One line of the checklist, in the order it is shown."""

    OPERATOR = "operator", gettext_lazy("Operator account")
    HEAD = "head", gettext_lazy("Village head with a signing certificate")
    ADDRESS = "address", gettext_lazy("Letterhead: office address")
    PHONE = "phone", gettext_lazy("Letterhead: telephone")
    LOGO = "logo", gettext_lazy("Letterhead: logo")
    WEBSITE = "website", gettext_lazy("Village website")


class CertificateState(TextChoices):
    """What a head's signing certificate allows now."""

    VALID = "valid", gettext_lazy("Active")
    NONE = "none", gettext_lazy("None yet")
    EXPIRED = "expired", gettext_lazy("Expired")
    REVOKED = "revoked", gettext_lazy("Revoked")
    # A credential from before the local CA recorded its certificates: it cannot sign.
    OUTDATED = "outdated", gettext_lazy("Outdated")
    # With BSrE the certificate is BSrE's, bound to the head's NIK; it is checked when
    # the head signs, not here (that would be a call to BSrE per village).
    BSRE = "bsre", gettext_lazy("With BSrE")
    BSRE_NO_NIK = "bsre_no_nik", gettext_lazy("No NIK for BSrE")


_USABLE_STATES = (CertificateState.VALID, CertificateState.BSRE)


def _date(value: dt.datetime) -> str:
    return formats.date_format(timezone.localdate(value), "DATE_FORMAT")


@dataclass(frozen=True)
class CertificateStatus:
    state: CertificateState
    valid_until: dt.datetime | None = None

    @property
    def is_usable(self) -> bool:
        """Whether the head can sign with it now."""
        return self.state in _USABLE_STATES

    @property
    def label(self) -> str:
        """ "Active until 06 November 2027", "None yet", "Expired", "Revoked", ..."""
        if self.state == CertificateState.VALID and self.valid_until is not None:
            return _("Active until %(date)s") % {"date": _date(self.valid_until)}
        return str(self.state.label)

    @property
    def badge(self) -> str:
        """The Bootstrap colour of its badge."""
        if self.is_usable:
            return "success"
        return "danger" if self.state == CertificateState.REVOKED else "warning"


def _status_of(credential: SigningCredential | None, *, now: dt.datetime) -> CertificateStatus:
    """The state of a head's certificate from their current (unrevoked) credential, or else
    their newest one; as the local signer decides it (``signing/local.py``)."""
    if credential is None:
        return CertificateStatus(CertificateState.NONE)
    issued = credential.issued
    if credential.revoked_at is not None or (issued is not None and issued.revoked_at):
        return CertificateStatus(CertificateState.REVOKED)
    if issued is None:
        return CertificateStatus(CertificateState.OUTDATED)
    if issued.not_after <= now:
        return CertificateStatus(CertificateState.EXPIRED, valid_until=issued.not_after)
    return CertificateStatus(CertificateState.VALID, valid_until=issued.not_after)


def certificate_statuses(heads: Iterable[User]) -> dict[int, CertificateStatus]:
    """The signing certificate state of each head, by user id: one query (none with BSrE)."""
    heads = list(heads)
    if settings.LDM_SIGNER != "local":
        return {
            head.pk: CertificateStatus(
                CertificateState.BSRE if head.staff_nik else CertificateState.BSRE_NO_NIK
            )
            for head in heads
        }
    chosen: dict[int, SigningCredential] = {}
    credentials = (
        SigningCredential.objects.filter(user_id__in=[head.pk for head in heads])
        .select_related("issued")
        .only("user_id", "created_at", "revoked_at", "issued__not_after", "issued__revoked_at")
        .order_by("user_id", "-created_at", "-pk")
    )
    for credential in credentials:
        current = chosen.get(credential.user_id)
        # Newest first: keep the first one, unless a later one is the unrevoked credential.
        if current is None or (current.revoked_at is not None and credential.revoked_at is None):
            chosen[credential.user_id] = credential
    now = timezone.now()
    return {head.pk: _status_of(chosen.get(head.pk), now=now) for head in heads}


@dataclass(frozen=True)
class ReadinessCheck:
    item: ReadinessItem
    done: bool
    state: str  # what is there now, in words

    @property
    def label(self) -> str:
        return str(self.item.label)

    @property
    def says_more(self) -> bool:
        """Whether the state tells more than "missing" (the head's certificate: none yet,
        expired, revoked), for the short form of the district admin's table."""
        return self.item == ReadinessItem.HEAD


@dataclass(frozen=True)
class VillageReadiness:
    village: Village
    office: VillageOffice | None
    operators: tuple[User, ...]
    head: User | None
    certificate: CertificateStatus | None  # None without a head
    checks: tuple[ReadinessCheck, ...]

    @property
    def ready(self) -> bool:
        return all(check.done for check in self.checks)

    @property
    def missing(self) -> tuple[ReadinessCheck, ...]:
        return tuple(check for check in self.checks if not check.done)

    @property
    def missing_items(self) -> tuple[ReadinessItem, ...]:
        return tuple(check.item for check in self.missing)


def _head_check(head: User | None, certificate: CertificateStatus | None) -> ReadinessCheck:
    if head is None or certificate is None:
        return ReadinessCheck(ReadinessItem.HEAD, False, _("No active village head account"))
    states = {
        CertificateState.NONE: _("%(name)s has not set a signing passphrase yet"),
        CertificateState.EXPIRED: _("The signing certificate of %(name)s has expired"),
        CertificateState.REVOKED: _("The signing certificate of %(name)s was revoked"),
        CertificateState.OUTDATED: _("The signing certificate of %(name)s can no longer sign"),
        CertificateState.BSRE: _("%(name)s signs with BSrE (checked when signing)"),
        CertificateState.BSRE_NO_NIK: _("%(name)s has no NIK for the BSrE certificate"),
    }
    if certificate.state == CertificateState.VALID and certificate.valid_until is not None:
        state = _("%(name)s, signing certificate active until %(date)s") % {
            "name": head.full_name,
            "date": _date(certificate.valid_until),
        }
    else:
        state = states.get(certificate.state, "%(name)s") % {"name": head.full_name}
    return ReadinessCheck(ReadinessItem.HEAD, certificate.is_usable, state)


def _text_check(item: ReadinessItem, value: str, empty: str) -> ReadinessCheck:
    value = (value or "").strip()
    return ReadinessCheck(item, bool(value), value or empty)


def _village_checks(
    office: VillageOffice | None,
    operators: tuple[User, ...],
    head: User | None,
    certificate: CertificateStatus | None,
) -> tuple[ReadinessCheck, ...]:
    empty = _("Empty")
    return (
        ReadinessCheck(
            ReadinessItem.OPERATOR,
            bool(operators),
            ngettext("%(count)s active operator", "%(count)s active operators", len(operators))
            % {"count": len(operators)}
            if operators
            else _("No active operator account"),
        ),
        _head_check(head, certificate),
        _text_check(
            ReadinessItem.ADDRESS,
            office.address if office else "",
            _("Empty: letters print no address line"),
        ),
        _text_check(ReadinessItem.PHONE, office.phone if office else "", empty),
        ReadinessCheck(
            ReadinessItem.LOGO,
            bool(office and office.logo.name),
            _("Uploaded") if office and office.logo.name else _("Empty: letters show the emblem"),
        ),
        _text_check(ReadinessItem.WEBSITE, office.website if office else "", empty),
    )


def villages_readiness(villages: QuerySet[Village]) -> list[VillageReadiness]:
    """The checklist of each of ``villages``, in the queryset's order: three queries."""
    rows = list(villages.select_related("district", "office"))
    staff = User.objects.filter(
        village__in=villages.order_by().values("pk"), role__in=VILLAGE_ROLES, is_active=True
    ).only("id", "village_id", "role", "full_name", "username", "staff_nik", "is_active")
    operators: dict[str, list[User]] = {}
    heads: dict[str, User] = {}
    for member in staff.order_by("full_name", "pk"):
        if member.role == Role.HEAD:
            heads[str(member.village_id)] = member  # one active head per village (a constraint)
        else:
            operators.setdefault(str(member.village_id), []).append(member)
    certificates = certificate_statuses(heads.values())
    readiness = []
    for village in rows:
        office = getattr(village, "office", None)  # no row yet: the letterhead is empty
        head = heads.get(village.pk)
        own_operators = tuple(operators.get(village.pk, ()))
        certificate = certificates.get(head.pk) if head is not None else None
        readiness.append(
            VillageReadiness(
                village=village,
                office=office,
                operators=own_operators,
                head=head,
                certificate=certificate,
                checks=_village_checks(office, own_operators, head, certificate),
            )
        )
    return readiness


def village_readiness(village: Village) -> VillageReadiness:
    """One village's checklist (its staff's to-do list)."""
    (readiness,) = villages_readiness(Village.objects.filter(pk=village.pk))
    return readiness


# --- The kabupaten ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OldestWaiting:
    """The request of a status that has waited longest, as the district admin may see it."""

    status: str
    status_label: str
    request: WaitingRequest
    days: int


@dataclass(frozen=True)
class NotReadyRow:
    readiness: VillageReadiness
    waiting: int  # its requests waiting in Proses or Konsep


@dataclass(frozen=True)
class KabupatenReadiness:
    villages: list[VillageReadiness]
    waiting: dict[str, int]  # requests waiting per status (Proses, Konsep)
    oldest: list[OldestWaiting]
    waiting_by_village: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.villages)

    @property
    def ready(self) -> int:
        return sum(1 for village in self.villages if village.ready)

    @property
    def not_ready(self) -> list[NotReadyRow]:
        """The villages not ready, with what is missing, in kecamatan and name order."""
        return [
            NotReadyRow(village, self.waiting_by_village.get(village.village.pk, 0))
            for village in self.villages
            if not village.ready
        ]

    @property
    def missing_counts(self) -> list[tuple[ReadinessItem, int]]:
        """How many villages miss each item, in checklist order."""
        counts = Counter(item for village in self.villages for item in village.missing_items)
        return [(item, counts[item]) for item in ReadinessItem]


def _days_since(moment: dt.datetime, *, now: dt.datetime) -> int:
    return (timezone.localdate(now) - timezone.localdate(moment)).days


def kabupaten_readiness(*, now: dt.datetime | None = None) -> KabupatenReadiness:
    """Every village of this installation's kabupaten with its checklist, the requests
    waiting per status and the one of each status that waits longest: six queries."""
    now = now or timezone.now()
    villages = Village.objects.filter(district__regency_id=settings.LDM_REGENCY_CODE).order_by(
        "district__name", "name", "code"
    )
    readiness = villages_readiness(villages)
    waiting: dict[str, int] = {status.value: 0 for status in WAITING_STATUSES}
    by_village: Counter[str] = Counter()
    rows = (
        LetterRequest.objects.filter(
            village__district__regency_id=settings.LDM_REGENCY_CODE, status__in=WAITING_STATUSES
        )
        .order_by()
        .values("village_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        waiting[row["status"]] += row["n"]
        by_village[row["village_id"]] += row["n"]
    scope = scope_of_regency()
    oldest = []
    for status in WAITING_STATUSES:
        for request in requests_waiting_longest(scope, status, now=now, limit=1):
            oldest.append(
                OldestWaiting(
                    status=status,
                    status_label=str(RequestStatus(status).label),
                    request=request,
                    days=_days_since(request.submitted_at, now=now),
                )
            )
    return KabupatenReadiness(
        villages=readiness, waiting=waiting, oldest=oldest, waiting_by_village=dict(by_village)
    )


# --- Where each item is fixed, for the person looking ---------------------------------------


@dataclass(frozen=True)
class ReadinessStep:
    check: ReadinessCheck
    url: str = ""  # where the viewer fixes it; empty when someone else does
    action: str = ""  # the link's text
    who: str = ""  # who fixes it, when the viewer cannot

    @property
    def is_own_certificate(self) -> bool:
        """The head's own "set your signing passphrase", shown first and prominently."""
        return self.check.item == ReadinessItem.HEAD and self.url == reverse(
            "documents:certificate"
        )


def _staff_create_url(village: Village, role: str) -> str:
    query = urlencode({"peran": role, "desa": village.pk})
    return f"{reverse('backoffice:staff-create')}?{query}"


def _account_step(
    check: ReadinessCheck, village: Village, role: Role, viewer: User
) -> ReadinessStep:
    """A missing operator or head account: the district admin creates it."""
    if not account_rules.can_manage_staff(viewer):
        return ReadinessStep(check, who=_("The Admin Kabupaten creates staff accounts."))
    action = (
        _("Create the village head account")
        if role == Role.HEAD
        else _("Create the operator account")
    )
    return ReadinessStep(check, _staff_create_url(village, role), action)


def _certificate_step(
    check: ReadinessCheck, head: User, certificate: CertificateStatus, viewer: User
) -> ReadinessStep:
    """A head without a usable certificate: the head sets a passphrase himself (the local
    CA), or the district admin fills in the NIK BSrE binds the certificate to."""
    admin_link = account_rules.can_manage_staff(viewer)
    head_page = reverse("backoffice:staff-edit", args=[head.pk])
    if certificate.state == CertificateState.BSRE_NO_NIK:
        if admin_link:
            return ReadinessStep(check, head_page, _("Fill in the head's NIK"))
        return ReadinessStep(
            check, who=_("The Admin Kabupaten fills in the NIK the BSrE certificate is bound to.")
        )
    if letter_rules.can_sign(viewer) and viewer.pk == head.pk and settings.LDM_SIGNER == "local":
        return ReadinessStep(
            check, reverse("documents:certificate"), _("Set your signing passphrase")
        )
    if admin_link:
        return ReadinessStep(check, head_page, _("Open the head's account"))
    return ReadinessStep(
        check,
        who=_("The village head sets a signing passphrase on the Signing certificate page."),
    )


def _letterhead_step(
    check: ReadinessCheck, readiness: VillageReadiness, viewer: User
) -> ReadinessStep:
    village = readiness.village
    if check.item == ReadinessItem.WEBSITE and content_rules.can_manage_content(viewer):
        query = urlencode({"kecamatan": village.district_id})
        return ReadinessStep(
            check, f"{reverse('content:staff-websites')}?{query}", _("Fill in the website")
        )
    if rules.can_keep_own_letterhead(viewer) and viewer.village_id == village.pk:
        return ReadinessStep(
            check, reverse("backoffice:village-office"), _("Fill in the letterhead")
        )
    if rules.can_edit_letterhead(viewer, village):
        return ReadinessStep(
            check,
            reverse("backoffice:village-edit", args=[village.pk]),
            _("Fill in the letterhead"),
        )
    return ReadinessStep(check, who=_("The village operator fills it in on the Letterhead page."))


def readiness_steps(
    readiness: VillageReadiness, *, viewer: User, missing_only: bool = False
) -> list[ReadinessStep]:
    """The checklist as ``viewer`` acts on it: each missing item with the link where the
    viewer fixes it, or who else does. Links follow the permission rules."""
    steps = []
    for check in readiness.checks:
        if check.done:
            if not missing_only:
                steps.append(ReadinessStep(check))
        elif check.item == ReadinessItem.OPERATOR:
            steps.append(_account_step(check, readiness.village, Role.OPERATOR, viewer))
        elif check.item == ReadinessItem.HEAD:
            if readiness.head is None or readiness.certificate is None:
                steps.append(_account_step(check, readiness.village, Role.HEAD, viewer))
            else:
                steps.append(
                    _certificate_step(check, readiness.head, readiness.certificate, viewer)
                )
        else:
            steps.append(_letterhead_step(check, readiness, viewer))
    return steps
