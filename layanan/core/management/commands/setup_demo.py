"""Prepare a demo installation: regions, letter catalogue and demo accounts (idempotent)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from layanan.accounts.models import Role
from layanan.accounts.services import demo_accounts_create


class Command(BaseCommand):
    help = "Load the kabupaten's regions and the letter catalogue, and create demo accounts."

    def handle(self, *args, **options):
        call_command("load_regions", settings.LDM_REGENCY_CODE, stdout=self.stdout)
        call_command("load_letter_catalogue", stdout=self.stdout)
        created = demo_accounts_create()
        if not created:
            self.stdout.write(
                f"Demo accounts exist already; their logins were printed on the first run "
                f"and saved in {settings.VAR_DIR / 'demo-logins.txt'}."
            )
            return
        lines = ["Demo accounts (fictional people):"]
        for account, password in created:
            how = "NIK" if account.role == Role.RESIDENT else "username"
            lines.append(
                f"  {Role(account.role).label:<20} {how} {account.username:<18} password {password}"
            )
        text = "\n".join(lines)
        logins = settings.VAR_DIR / "demo-logins.txt"
        logins.parent.mkdir(parents=True, exist_ok=True)
        with logins.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        logins.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(text))
