"""Load one or more kabupaten/kota from the shipped region data: `load_regions 33.25`."""

from django.core.management.base import BaseCommand, CommandError

from layanan.core.errors import DomainError
from layanan.regions.services import regions_load_regency


class Command(BaseCommand):
    help = "Load regencies (kabupaten/kota) with their districts and villages by Kemendagri code."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", default=["33.25"], help="e.g. 33.25 (Batang)")

    def handle(self, *args, codes, **options):
        for code in codes:
            try:
                result = regions_load_regency(code=code)
            except DomainError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                f"{result.regency.code} {result.regency.display_name}: "
                f"{result.districts} kecamatan, {result.villages} desa/kelurahan "
                f"({result.created} created, {result.updated} updated)"
            )
