"""Who may do what with accounts and profiles: written once, used by views, templates
and services alike. The role predicates here are what every other app's rules build on.

Every staff role predicate requires the session's second factor (``second_factor_passed``):
a staff member who typed only the password is, for every rule, nobody yet. Only
``is_staff_account`` asks about the account alone, to send such a session to the code step.
"""

from layanan.accounts.models import ResidentProfile, User
from layanan.core.rules import is_active_user, rule, second_factor_passed


@rule
def is_resident(user: User) -> bool:
    return bool(user.is_authenticated and user.is_resident)


@rule
def is_staff_member(user: User) -> bool:
    """Anyone who works in the back office: village staff and the district admin."""
    return is_staff_account(user) and second_factor_passed(user)


def is_staff_account(user: User) -> bool:
    """A staff member's account, whether or not this session passed its second factor: only
    to route a half-logged session to the code step, never to allow anything (not a rule)."""
    return is_active_user(user) and not user.is_resident


@rule
def is_village_staff(user: User) -> bool:
    """Operators and heads: they work for one village."""
    return (
        is_active_user(user)
        and user.is_village_staff
        and user.village_id is not None
        and second_factor_passed(user)
    )


@rule
def is_operator(user: User) -> bool:
    return (
        is_active_user(user)
        and user.is_operator
        and user.village_id is not None
        and second_factor_passed(user)
    )


@rule
def is_head(user: User) -> bool:
    """The village head (Kepala Desa or Lurah) of the village the account belongs to."""
    return (
        is_active_user(user)
        and user.is_head
        and user.village_id is not None
        and second_factor_passed(user)
    )


@rule
def is_district_admin(user: User) -> bool:
    return is_active_user(user) and user.is_district_admin and second_factor_passed(user)


@rule
def can_manage_staff(user: User) -> bool:
    """Staff accounts, their passwords and second factors belong to the district admin."""
    return is_district_admin(user)


@rule
def can_verify_profiles(user: User) -> bool:
    """Operators verify the profiles of their own village's residents."""
    return is_operator(user)


@rule
def can_verify_profile(user: User, profile: ResidentProfile) -> bool:
    return (
        can_verify_profiles(user)
        and profile.village_id is not None
        and user.village_id == profile.village_id
    )


@rule
def can_see_identity_documents(user: User, profile: ResidentProfile) -> bool:
    """KTP and KK: the owner, and the operators of the owner's village. Nobody else."""
    if not is_active_user(user):
        return False
    return user.pk == profile.user_id or can_verify_profile(user, profile)


@rule
def can_recover_accounts(user: User) -> bool:
    """Operators move a resident's account to a new email at the counter (after checking
    the resident's KTP in person)."""
    return is_operator(user)


@rule
def can_recover_account(user: User, profile: ResidentProfile) -> bool:
    """An account of the operator's own village; or one whose profile names no village yet
    (registered, never completed: a mistyped email never confirmed, a relative's sign-up),
    whose NIK was issued in the operator's kecamatan (its first six digits): no village holds
    it yet, so an office near the resident may help, not any office of the kabupaten."""
    if not can_recover_accounts(user):
        return False
    if profile.village_id is not None:
        return profile.village_id == user.village_id
    return profile.user.username.startswith(nik_prefix_of_staff(user))


def nik_prefix_of_staff(user: User) -> str:
    """The six digits that begin the NIKs issued in the kecamatan of a staff member's village
    ("33.25.11" -> "332511"); empty for staff without a village."""
    if user.village is None:
        return ""
    return user.village.district_id.replace(".", "")
