"""Benchmark of issuing letters (`make bench`): not a test, a measurement.

It issues letters end to end through the signing service (number, render, QR, PAdES B-LTA
signature, store, TERBIT) and compares the time per letter with baselines measured in the
same run on the same letter: Typst rendering alone plus pyHanko signing alone, once as a
plain PAdES B-B signature and once as our B-LTA (signature timestamp, DSS, document
timestamp). Then it batch-signs 100 drafts with one passphrase entry.

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
    from layanan.letters.models import LetterRequest, LetterType, RequestStatus
    from layanan.letters.services import ApplicantData, registration_number_next
    from layanan.regions.services import regions_load_regency

    call_command("migrate", verbosity=0)
    regions_load_regency(code="33.25")
    call_command("load_letter_catalogue", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
    call_command("pki_init", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
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

    from layanan.documents.rendering import Issue, compile_letter, letter_inputs
    from layanan.documents.services import _open_session, letter_sign, letters_sign_batch
    from layanan.documents.signing.base import SignatureRequest

    head, drafts = _prepare(args.letters + args.batch + 1)
    session = _open_session(head=head, passphrase=PASSPHRASE)  # warm: key unlocked once
    letter_sign(request=drafts.pop(), head=head, passphrase=PASSPHRASE)  # warm: fonts, caches

    # Baselines: the same letter rendered by Typst, then signed by pyHanko alone as a plain
    # PAdES B-B signature (what letters were before) and through our B-LTA pipeline
    # (certification signature with its timestamp, then DSS and a document timestamp).
    sample = drafts[0]
    issue = Issue(
        number="470/001/XI/2026",
        issued_on=dt.date(2026, 11, 26),
        valid_until=dt.date(2026, 12, 26),
        verification_url=f"{settings.LDM_PUBLIC_URL}/v/AAAAAAAAAAAAAAAAAAAA/",
        signer_name=head.full_name,
        signer_title="Lurah Kauman",
    )
    inputs = letter_inputs(sample, issue)
    b_b_signer = _plain_signer(head)
    render_times, b_b_times, b_lta_times = [], [], []
    for _ in range(args.letters):
        start = time.perf_counter()
        rendered = compile_letter(inputs, verification_url=issue.verification_url)
        rendered_at = time.perf_counter()
        _sign_b_b(rendered.pdf, b_b_signer)
        b_b_at = time.perf_counter()
        session.sign(
            [
                SignatureRequest(
                    pdf=rendered.pdf,
                    signature_box=rendered.signature_box,
                    reason="bench",
                    location="Kauman",
                )
            ]
        )
        end = time.perf_counter()
        render_times.append(rendered_at - start)
        b_b_times.append(b_b_at - rendered_at)
        b_lta_times.append(end - b_b_at)
    b_b_pipeline = [r + s for r, s in zip(render_times, b_b_times, strict=True)]
    b_lta_pipeline = [r + s for r, s in zip(render_times, b_lta_times, strict=True)]

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

    b_b_ms, b_lta_ms = _median_ms(b_b_pipeline), _median_ms(b_lta_pipeline)
    issue_ms = _median_ms(issue_times)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Letters issued one by one: {args.letters}; database: {engine}")
    print(f"{'measure':<48}{'median ms':>10}{'letters/s':>11}")
    rows = [
        ("Typst render alone (PDF/A-2b)", _median_ms(render_times)),
        ("pyHanko sign alone, PAdES B-B", _median_ms(b_b_times)),
        ("pyHanko sign alone, PAdES B-LTA (ours)", _median_ms(b_lta_times)),
        ("baseline: render + B-B sign", b_b_ms),
        ("baseline: render + B-LTA sign", b_lta_ms),
        ("issue a B-LTA letter through the service", issue_ms),
    ]
    for label, value in rows:
        print(f"{label:<48}{value:>10.1f}{1000 / value:>11.1f}")
    print(f"B-LTA cost per letter over B-B: {b_lta_ms - b_b_ms:+.1f} ms")
    print(
        f"ratio issue / (render + B-B sign): {issue_ms / b_b_ms:.2f}x; "
        f"issue / (render + B-LTA sign): {issue_ms / b_lta_ms:.2f}x (target: within 2x)"
    )
    print(
        f"batch of {args.batch} letters with one passphrase: {batch_seconds:.2f} s "
        f"({args.batch / batch_seconds:.1f} letters/s; target: under 6 s for 100)"
    )
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


def _plain_signer(head):
    """pyHanko's in-memory signer with the head's key and certificate, nothing of ours."""
    from asn1crypto import keys
    from cryptography.x509 import load_pem_x509_certificate
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from layanan.documents.selectors import active_credential_of
    from layanan.documents.signing.local import key_decrypt
    from layanan.documents.signing.pades import asn1_certificate

    credential = active_credential_of(head)
    assert credential is not None
    certificate = asn1_certificate(load_pem_x509_certificate(credential.certificate_pem.encode()))
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=keys.PrivateKeyInfo.load(key_decrypt(credential, PASSPHRASE)),
        cert_registry=SimpleCertificateStore(),
    )


def _sign_b_b(pdf: bytes, signer) -> bytes:
    """The plain PAdES B-B signature, no timestamp, no DSS: the pipeline before B-LTA."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return (
        signers.PdfSigner(metadata, signer=signer).sign_pdf(writer, bytes_reserved=8192).getvalue()
    )


if __name__ == "__main__":
    main()
