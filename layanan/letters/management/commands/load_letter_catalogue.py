"""Load the initial letter catalogue: `load_letter_catalogue [--overwrite]`."""

from django.core.management.base import BaseCommand

from layanan.letters.services import letter_catalogue_load


class Command(BaseCommand):
    help = "Create the letter types of the shipped catalogue that do not exist yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Also replace the texts of existing types with the shipped ones.",
        )

    def handle(self, *args, overwrite, **options):
        result = letter_catalogue_load(overwrite=overwrite)
        self.stdout.write(
            f"Letter catalogue: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged."
        )
