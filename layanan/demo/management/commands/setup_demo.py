"""Prepare a demo installation: regions, letter catalogue, local PKI, demo accounts, the
demo head's signing certificate and one issued demo letter (idempotent)."""

import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from layanan.accounts.models import Role, User
from layanan.demo.accounts import demo_accounts_create, demo_two_factor_enrol
from layanan.demo.letters import demo_letter_issue, verification_url
from layanan.documents.selectors import active_credential_of
from layanan.documents.services import signing_credential_issue


class Command(BaseCommand):
    help = "Load the kabupaten's regions and the letter catalogue, and create demo accounts."

    def handle(self, *args, **options):
        call_command("load_regions", settings.LDM_REGENCY_CODE, stdout=self.stdout)
        call_command("load_letter_catalogue", stdout=self.stdout)
        call_command("pki_init", stdout=self.stdout)
        created = demo_accounts_create()
        passphrases = self._demo_passphrases()
        call_command("load_demo_content", stdout=self.stdout)
        if not created and not passphrases:
            self.stdout.write(
                f"Demo accounts exist already; their logins were printed on the first run "
                f"and saved in {settings.VAR_DIR / 'demo-logins.txt'}."
            )
            return
        lines = ["Demo accounts (fictional people):"] if created else []
        for account, password in created:
            how = "NIK" if account.role == Role.RESIDENT else "username"
            lines.append(
                f"  {Role(account.role).label:<20} {how} {account.username:<18} password {password}"
            )
        for username, passphrase in passphrases:
            lines.append(f"  Signing passphrase of {username}: {passphrase}")
            letter = demo_letter_issue(
                head=User.objects.get(username=username), passphrase=passphrase
            )
            if letter is not None:
                lines.append(
                    f"  Demo letter {letter.letter_number} (Terbit, PAdES B-LTA) of the demo "
                    f"resident; its QR code opens {verification_url(letter)}"
                )
                lines.append(
                    f"  Its access code (printed beside the QR code; it opens the original "
                    f"PDF there): {letter.access_code}"
                )
        for account, _password in created:
            if account.role == Role.RESIDENT:
                continue
            secret, codes = demo_two_factor_enrol(User.objects.get(username=account.username))
            lines.append(
                f"  Login code of {account.username}: TOTP key {secret} "
                f"(add it to an authenticator app) or a backup code: {' '.join(codes[:5])}"
            )
        text = "\n".join(lines)
        logins = settings.VAR_DIR / "demo-logins.txt"
        logins.parent.mkdir(parents=True, exist_ok=True)
        with logins.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        logins.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(text))

    def _demo_passphrases(self) -> list[tuple[str, str]]:
        """Demo heads get a signing certificate with a random passphrase (printed once)."""
        issued = []
        for head in User.objects.filter(
            role=Role.HEAD, is_active=True, username__endswith=".kauman"
        ):
            if active_credential_of(head) is None:
                passphrase = f"TTE-{secrets.token_hex(4)}-Demo"
                signing_credential_issue(user=head, passphrase=passphrase)
                issued.append((head.username, passphrase))
        return issued
