"""Reads of accounts and profiles, narrowed to what the asking user may see."""

from django.db.models import QuerySet

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, User


def profiles_for_staff(user: User) -> QuerySet[ResidentProfile]:
    """Profiles an operator may verify: the residents of their own village, nobody else."""
    if not (user.is_authenticated and user.is_operator and user.village_id):
        return ResidentProfile.objects.none()
    return ResidentProfile.objects.filter(village_id=user.village_id).select_related(
        "user", "village__district"
    )


def profiles_awaiting_verification(user: User) -> QuerySet[ResidentProfile]:
    """Complete profiles of the operator's village that wait for a decision, oldest first."""
    return (
        profiles_for_staff(user)
        .filter(status=ProfileStatus.UNVERIFIED)
        .exclude(ktp_file="")
        .exclude(kk_file="")
        .order_by("submitted_at", "id")
    )
