"""Create the kabupaten's local PKI (idempotent): `pki_init`.

The root CA (its key encrypted with the PKI passphrase), the time-stamping unit, the OCSP
responder and a first CRL. An installation from before the PKI kept its CA as files in
``var/ca/``: they are taken over once (the key encrypted, the plain file removed), so that
letters and heads' certificates issued under it stay valid.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from layanan.documents.pki.lifecycle import pki_initialise
from layanan.regions.selectors import regency_of_deployment


class Command(BaseCommand):
    help = "Create the local CA, its time-stamping unit and OCSP responder (idempotent)."

    def handle(self, *args, **options):
        regency = regency_of_deployment()
        result = pki_initialise(
            regency_name=regency.display_name if regency else "Kabupaten",
            legacy_directory=Path(settings.VAR_DIR) / "ca",
        )
        self.stdout.write(result.describe())
