"""Benchmark of issuing letters (`make bench`): not a test, a measurement.

It issues letters end to end through the signing service (number, render, QR, sign, store,
TERBIT) and compares the time per letter with a baseline measured in the same run on the
same letter: Typst rendering alone plus pyHanko signing alone. Then it batch-signs 100
drafts with one passphrase entry.

    .venv/bin/python bench/bench_letters.py [--letters N] [--batch N]
"""

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

PASSPHRASE = "Bench-Passphrase-2026"  # noqa: S105 - a throwaway benchmark key


def _prepare(drafts: int):
    from layanan.accounts.choices import ProfileStatus
    from layanan.accounts.models import ResidentProfile, Role, User
    from layanan.documents.services import signing_credential_issue
    from layanan.documents.signing.ca import local_ca_create
    from layanan.letters.models import LetterRequest, LetterType, RequestStatus
    from layanan.letters.services import ApplicantData, registration_number_next
    from layanan.regions.services import regions_load_regency

    call_command("migrate", verbosity=0)
    regions_load_regency(code="33.25")
    call_command("load_letter_catalogue", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
    local_ca_create(directory=settings.LDM_LOCAL_CA_DIR, regency_name="Kabupaten Batang")
    head = User.objects.create_user(
        "lurah.bench",
        "Bench-Login-1",
        full_name="Hendra Wijaya, S.E.",
        role=Role.HEAD,
        village_id="33.25.11.1015",
    )
    signing_credential_issue(user=head, passphrase=PASSPHRASE)
    resident = User.objects.create_user(
        "3325110101000000", "Bench-Login-2", full_name="AKHMAD KURNIAWAN", role=Role.RESIDENT
    )
    profile = ResidentProfile.objects.create(
        user=resident,
        birth_place="BATANG",
        birth_date=dt.date(2000, 1, 1),
        gender="L",
        address="Jl. Dr Wahidin",
        rt="004",
        rw="003",
        religion="islam",
        occupation="88",
        marital_status="belum_kawin",
        village_id="33.25.11.1015",
        status=ProfileStatus.VERIFIED,
    )
    applicant = ApplicantData.from_profile(profile)
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    from django.db import transaction

    created = []
    for _ in range(drafts):
        with transaction.atomic():
            created.append(
                LetterRequest.objects.create(
                    registration_number=registration_number_next(),
                    letter_type=domisili,
                    village_id="33.25.11.1015",
                    applicant=resident,
                    channel="mandiri",
                    status=RequestStatus.KONSEP,
                    form_schema=domisili.fields,
                    data={
                        "keterangan_lainnya": "",
                        "keperluan": "Mengurus Dokumen Perizinan Berusaha",
                    },
                    submitted_at=timezone.now(),
                    created_by=resident,
                    **applicant.as_fields(),
                )
            )
    return head, created


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=60, help="letters issued one by one")
    parser.add_argument("--batch", type=int, default=100, help="letters batch-signed at once")
    args = parser.parse_args()

    from layanan.documents.rendering import Issue, letter_pdf
    from layanan.documents.services import _open_session, letter_sign, letters_sign_batch
    from layanan.documents.signing.base import SignatureRequest

    head, drafts = _prepare(args.letters + args.batch + 1)
    session = _open_session(head=head, passphrase=PASSPHRASE)  # warm: key unlocked once
    letter_sign(request=drafts.pop(), head=head, passphrase=PASSPHRASE)  # warm: fonts, caches

    # Baseline: the same letter, rendered by Typst and signed by pyHanko, nothing else.
    sample = drafts[0]
    issue = Issue(
        number="470/001/XI/2026",
        issued_on=dt.date(2026, 11, 26),
        valid_until=dt.date(2026, 12, 26),
        verification_url=f"{settings.LDM_PUBLIC_URL}/v/AAAAAAAAAAAAAAAAAAAA/",
        signer_name=head.full_name,
        signer_title="Lurah Kauman",
    )
    render_times, sign_times = [], []
    for _ in range(args.letters):
        start = time.perf_counter()
        pdf = letter_pdf(sample, issue)
        middle = time.perf_counter()
        session.sign([SignatureRequest(pdf=pdf, reason="bench", location="Kauman")])
        end = time.perf_counter()
        render_times.append(middle - start)
        sign_times.append(end - middle)
    baseline = [r + s for r, s in zip(render_times, sign_times, strict=True)]

    # End to end through the service, one letter per call (passphrase each time).
    issue_times = []
    for draft in drafts[: args.letters]:
        start = time.perf_counter()
        letter_sign(request=draft, head=head, passphrase=PASSPHRASE)
        issue_times.append(time.perf_counter() - start)

    # Batch: the head ticks many drafts and types the passphrase once.
    batch = drafts[args.letters : args.letters + args.batch]
    start = time.perf_counter()
    result = letters_sign_batch(requests=batch, head=head, passphrase=PASSPHRASE)
    batch_seconds = time.perf_counter() - start
    assert not result.failed, result.failed

    base_ms, issue_ms = _median_ms(baseline), _median_ms(issue_times)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Letters issued one by one: {args.letters}; database: {engine}")
    print(f"{'measure':<44}{'median ms':>10}{'letters/s':>11}")
    print(f"{'baseline: Typst render alone':<44}{_median_ms(render_times):>10.1f}")
    print(f"{'baseline: pyHanko sign alone':<44}{_median_ms(sign_times):>10.1f}")
    print(f"{'baseline: render + sign':<44}{base_ms:>10.1f}{1000 / base_ms:>11.1f}")
    print(
        f"{'issue through the service (end to end)':<44}{issue_ms:>10.1f}{1000 / issue_ms:>11.1f}"
    )
    print(f"ratio issue / baseline: {issue_ms / base_ms:.2f}x (target: within 1.5x)")
    print(
        f"batch of {args.batch} letters with one passphrase: {batch_seconds:.2f} s "
        f"({args.batch / batch_seconds:.1f} letters/s; target: under 3 s for 100)"
    )
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
