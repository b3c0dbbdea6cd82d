"""`manage.py generate_data`: fictional residents and letter requests at production size."""

import time

from django.core.management.base import BaseCommand, CommandError

from layanan.scale.services import data_generate


class Command(BaseCommand):
    help = (
        "Add fictional residents, staff and letter requests over the villages of the "
        "deployment's kabupaten (default 200,000 residents and 1,000,000 requests)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=200_000)
        parser.add_argument("--requests", type=int, default=1_000_000)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply both counts, e.g. 0.01 for 1%%"
        )
        parser.add_argument("--staff-per-village", type=int, default=2, help="operators")
        parser.add_argument("--seed", type=int, default=None, help="for repeatable data")

    def handle(self, *args, **options):
        residents = round(options["residents"] * options["scale"])
        requests = round(options["requests"] * options["scale"])
        if residents < 1 and requests > 0:
            raise CommandError("Requests need at least one resident.")
        start = time.monotonic()
        result = data_generate(
            residents=residents,
            requests=requests,
            staff_per_village=options["staff_per_village"],
            seed=options["seed"],
            progress=lambda message: (
                self.stdout.write(message) if options["verbosity"] > 1 else None
            ),
        )
        seconds = time.monotonic() - start
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(result.by_status.items()))
        self.stdout.write(
            f"Generated {result.residents} residents, {result.staff} staff, "
            f"{result.requests} requests ({statuses}) and {result.events} timeline events "
            f"in {seconds:.0f} s."
        )
