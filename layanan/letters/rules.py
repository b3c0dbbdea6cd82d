"""Who may see and act on letter requests: written once, used everywhere.

The lifecycle table (``lifecycle.py``) names the rule of each status change; views guard
with these functions, templates ask for them with ``{% may %}``, and the services'
guard is the lifecycle's ``transition_check``. "Who may sign?" is ``can_sign`` (may this
person sign letters at all: the signing queue, the certificate) and ``can_sign_request``
(this letter), nowhere else.
"""

from layanan.accounts import rules as account_rules
from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import User
from layanan.core.rules import is_active_user, rule
from layanan.letters.models import LetterRequest, RequestStatus


@rule
def is_request_owner(user: User, request: LetterRequest) -> bool:
    """The applicant: their account, or, for a walk-in request made before they had one,
    the owner of the verified profile with that NIK (an unverified claim to a NIK is not enough).
    """
    if not is_active_user(user) or not user.is_resident:
        return False
    if request.applicant_id is not None:
        return request.applicant_id == user.pk
    profile = getattr(user, "profile", None)
    return (
        profile is not None
        and profile.status == ProfileStatus.VERIFIED
        and request.applicant_nik == user.username
    )


@rule
def can_work_on_requests(user: User) -> bool:
    """The village's requests (the inbox, a request's page) are for its operators and head."""
    return account_rules.is_village_staff(user)


@rule
def is_village_staff_of(user: User, request: LetterRequest) -> bool:
    return can_work_on_requests(user) and user.village_id == request.village_id


@rule
def can_register_walk_in(user: User) -> bool:
    """Operators register Datang Langsung requests at the counter, for their village."""
    return account_rules.is_operator(user)


@rule
def can_process_request(user: User, request: LetterRequest) -> bool:
    """Operators accept, correct and reject the requests of their own village."""
    return account_rules.is_operator(user) and user.village_id == request.village_id


@rule
def can_sign(user: User) -> bool:
    """Letters are signed by the village head (Kepala Desa or Lurah)."""
    return account_rules.is_head(user)


@rule
def can_sign_request(user: User, request: LetterRequest) -> bool:
    """The head signs, or sends back, the drafts of their own village."""
    return can_sign(user) and user.village_id == request.village_id


@rule
def can_preview_draft(user: User, request: LetterRequest) -> bool:
    """A draft's PDF (KONSEP watermark, no number) is for the village's staff."""
    return is_village_staff_of(user, request) and request.status == RequestStatus.KONSEP


@rule
def can_revoke_request(user: User, request: LetterRequest) -> bool:
    """Staff of the village, or the district admin, may revoke an issued letter."""
    return is_village_staff_of(user, request) or account_rules.is_district_admin(user)


@rule
def can_view_request(user: User, request: LetterRequest) -> bool:
    return is_request_owner(user, request) or is_village_staff_of(user, request)


@rule
def can_edit_letter_types(user: User) -> bool:
    """Letter types (texts, fields, template, numbering) belong to the district admin."""
    return account_rules.is_district_admin(user)
