"""Writes to accounts."""

import secrets
from dataclasses import dataclass

from django.db import transaction

from layanan.accounts.models import Role, User
from layanan.regions.models import Village


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    full_name: str
    village_code: str | None
    email: str


# Fictional people of the demo installation. The resident's NIK encodes Kecamatan Batang
# (332511), a woman born on 05-06-1995 (day + 40 = 45) and a made-up sequence number.
DEMO_ACCOUNTS = (
    DemoAccount(Role.RESIDENT, "3325114506950003", "Siti Rahmawati", None, "siti@example.com"),
    DemoAccount(
        Role.OPERATOR, "operator.kauman", "Dewi Lestari", "33.25.11.1015", "dewi@example.com"
    ),
    DemoAccount(
        Role.HEAD, "lurah.kauman", "Hendra Wijaya, S.E.", "33.25.11.1015", "hendra@example.com"
    ),
    DemoAccount(Role.DISTRICT_ADMIN, "admin.kabupaten", "Rina Marlina", None, "rina@example.com"),
)


def _demo_password() -> str:
    # Satisfies the guide's rule: upper and lower case letters plus digits, 8+ characters.
    return f"Desa-{secrets.token_hex(3)}-{secrets.randbelow(90) + 10}Ab"


@transaction.atomic
def demo_accounts_create() -> list[tuple[DemoAccount, str]]:
    """Create the demo accounts that do not exist yet; return them with their new passwords."""
    created = []
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        village = Village.objects.get(code=account.village_code) if account.village_code else None
        password = _demo_password()
        User.objects.create_user(
            account.username,
            password,
            full_name=account.full_name,
            email=account.email,
            role=account.role,
            village=village,
        )
        created.append((account, password))
    return created
