"""The PKI's daily upkeep now (the scheduler runs it every night): `pki_maintain`.

Reissues CRLs that near their next update, renews OCSP responder certificates, rotates the
time-stamping unit two years before its certificate ends, then (unless ``--pki-only``)
appends a fresh archive timestamp to every letter whose newest one ends within a year.
"""

from django.core.management.base import BaseCommand, CommandError

from layanan.documents.archive import letters_archive_renew
from layanan.documents.pki.authority import PkiNotReady
from layanan.documents.pki.lifecycle import pki_maintain


class Command(BaseCommand):
    help = "Keep CRLs, OCSP and the time-stamping unit current; renew due archive timestamps."

    def add_arguments(self, parser):
        parser.add_argument(
            "--pki-only", action="store_true", help="Do not renew letters' archive timestamps."
        )
        parser.add_argument(
            "--limit", type=int, help="Renew at most this many letters in this run."
        )

    def handle(self, *args, **options):
        try:
            self.stdout.write(pki_maintain().describe())
        except PkiNotReady as error:
            raise CommandError(str(error)) from error
        if options["pki_only"]:
            return
        report = letters_archive_renew(limit=options["limit"])
        self.stdout.write(
            f"Archive timestamps: {report.renewed} letters renewed, {report.failed} failed."
        )
        if report.failed:
            raise CommandError(
                f"{report.failed} letters could not be renewed (see the log); they stay due "
                "and the next run tries again."
            )
