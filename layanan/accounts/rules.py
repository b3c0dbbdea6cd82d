"""Who may do what with accounts and profiles: written once, used by views, templates
and services alike."""

from layanan.accounts.models import ResidentProfile, User


def is_resident(user) -> bool:
    return user.is_authenticated and user.is_resident


def is_village_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_village_staff


def can_verify_profiles(user) -> bool:
    """Operators verify the profiles of their own village's residents."""
    return user.is_authenticated and user.is_active and user.is_operator


def can_see_identity_documents(user, profile: ResidentProfile) -> bool:
    """KTP and KK: the owner, and the operators of the owner's village. Nobody else."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == profile.user_id:
        return True
    return (
        can_verify_profiles(user)
        and profile.village_id is not None
        and user.village_id == profile.village_id
    )


def can_verify_profile(user: User, profile: ResidentProfile) -> bool:
    return (
        can_verify_profiles(user)
        and profile.village_id is not None
        and user.village_id == profile.village_id
    )
