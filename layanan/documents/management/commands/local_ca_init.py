"""Create the kabupaten's local certificate authority (idempotent): `local_ca_init`."""

from django.conf import settings
from django.core.management.base import BaseCommand

from layanan.documents.signing.ca import CA_CERT, local_ca_create
from layanan.regions.selectors import regency_of_deployment


class Command(BaseCommand):
    help = "Create the local CA that issues village heads' signing certificates."

    def handle(self, *args, **options):
        directory = settings.LDM_LOCAL_CA_DIR
        existed = (directory / CA_CERT).exists()
        regency = regency_of_deployment()
        ca = local_ca_create(
            directory=directory, regency_name=regency.display_name if regency else "Kabupaten"
        )
        state = "exists" if existed else "created"
        subject = ca.certificate.subject.rfc4514_string()
        self.stdout.write(f"Local CA {state}: {subject} in {directory}")
