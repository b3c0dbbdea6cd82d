"""Rotate the local CA or its time-stamping unit: `pki_rotate --tsa` or `pki_rotate --ca`.

Earlier letters stay valid: a retired time-stamping unit's certificate keeps vouching for
the timestamps it made; a retired CA generation keeps publishing its CRL and answering
OCSP for the certificates it issued, and stays a trust root of the verification (its
certificate remains at /pki/ca/<generation>.crt). After a CA rotation heads sign on with
their current certificates until they set a new signing passphrase, which certifies their
new key under the new generation. Audited.
"""

from django.core.management.base import BaseCommand, CommandError

from layanan.documents.pki.authority import PkiNotReady
from layanan.documents.pki.lifecycle import ca_rotate, tsa_rotate
from layanan.regions.selectors import regency_of_deployment


class Command(BaseCommand):
    help = "Rotate the local CA (--ca) or its time-stamping unit (--tsa) without breaking letters."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--ca", action="store_true", help="A new CA generation.")
        which.add_argument("--tsa", action="store_true", help="A new time-stamping unit.")
        parser.add_argument(
            "--why", default="manual", help="Recorded in the audit log (e.g. key-compromise)."
        )

    def handle(self, *args, **options):
        try:
            if options["tsa"]:
                unit = tsa_rotate(actor=None, why=options["why"])
                self.stdout.write(
                    f"New time-stamping unit (serial {unit.issued.serial_number}), its "
                    f"certificate valid until {unit.issued.not_after:%Y-%m-%d}."
                )
                return
            regency = regency_of_deployment()
            authority = ca_rotate(
                actor=None, regency_name=regency.display_name if regency else "Kabupaten"
            )
        except PkiNotReady as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"New CA generation {authority.generation}, valid until "
            f"{authority.certificate.not_valid_after_utc:%Y-%m-%d}. Heads' new certificates "
            "come from it when they next set a signing passphrase."
        )
