"""Reads of accounts and profiles, narrowed to what the asking user may see."""

from django.db.models import Q, QuerySet

from layanan.accounts import rules
from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile, Role, User
from layanan.regions.models import Village


def profiles_for_staff(user: User) -> QuerySet[ResidentProfile]:
    """Profiles an operator may verify: the residents of their own village, nobody else."""
    if not rules.can_verify_profiles(user):
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


def resident_with_nik(nik: str) -> ResidentProfile | None:
    """The profile (with its account and village) of the active resident with this NIK,
    for the counter: the person in front of the operator may have an account already."""
    return (
        ResidentProfile.objects.select_related("user", "village")
        .filter(user__username=nik, user__role=Role.RESIDENT, user__is_active=True)
        .first()
    )


def profiles_recoverable_by(user: User) -> QuerySet[ResidentProfile]:
    """Active residents' profiles whose account's email the operator may set at the counter
    (``rules.can_recover_account``): of their own village, or of no village yet with a NIK
    of their kecamatan."""
    if not rules.can_recover_accounts(user):
        return ResidentProfile.objects.none()
    return (
        ResidentProfile.objects.filter(user__role=Role.RESIDENT, user__is_active=True)
        .filter(
            Q(village_id=user.village_id)
            | Q(village__isnull=True, user__username__startswith=rules.nik_prefix_of_staff(user))
        )
        .select_related("user", "village__district")
    )


def village_head(village_id: str) -> User | None:
    """The village's current head (one at most: a database constraint)."""
    return User.objects.filter(village_id=village_id, role=Role.HEAD, is_active=True).first()


def heads_of_village(village: Village) -> QuerySet[User]:
    """Every head the village has had, the current one first, then the newest."""
    return village.staff.filter(role=Role.HEAD).order_by("-is_active", "-date_joined")
