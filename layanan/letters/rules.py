"""Who may see and act on letter requests: written once, used everywhere."""

from layanan.accounts.choices import ProfileStatus
from layanan.letters.models import LetterRequest


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def is_request_owner(user, request: LetterRequest) -> bool:
    """The applicant: their account, or, for a walk-in request made before they had one,
    the owner of the verified profile with that NIK (an unverified claim to a NIK is not enough).
    """
    if not _active(user) or not user.is_resident:
        return False
    if request.applicant_id is not None:
        return request.applicant_id == user.pk
    profile = getattr(user, "profile", None)
    return (
        profile is not None
        and profile.status == ProfileStatus.VERIFIED
        and request.applicant_nik == user.username
    )


def is_village_staff_of(user, request: LetterRequest) -> bool:
    return _active(user) and user.is_village_staff and user.village_id == request.village_id


def can_process_request(user, request: LetterRequest) -> bool:
    """Operators accept, correct and reject the requests of their own village."""
    return _active(user) and user.is_operator and user.village_id == request.village_id


def can_sign_request(user, request: LetterRequest) -> bool:
    """The village head signs, or sends back, the drafts of their own village."""
    return _active(user) and user.is_head and user.village_id == request.village_id


def can_revoke_request(user, request: LetterRequest) -> bool:
    """Staff of the village, or the district admin, may revoke an issued letter."""
    return is_village_staff_of(user, request) or (_active(user) and user.is_district_admin)


def can_view_request(user, request: LetterRequest) -> bool:
    return is_request_owner(user, request) or is_village_staff_of(user, request)


def can_register_walk_in(user) -> bool:
    return _active(user) and user.is_operator
