"""Independent checks of issued PDFs with tools that are not ours (poppler, qpdf, zxing)."""

import subprocess
from pathlib import Path

import zxingcpp
from cryptography.hazmat.primitives import serialization
from PIL import Image

from conftest import require_tool


def pdfsig_report(pdf: Path, ca_certificate, workdir: Path) -> str:
    """pdfsig's report of the file, with our CA imported as a trusted root in a fresh NSS db."""
    certutil, pdfsig = require_tool("certutil"), require_tool("pdfsig")
    nss = workdir / "nss"
    nss.mkdir()
    ca_pem = workdir / "ca.pem"
    ca_pem.write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    subprocess.run(  # noqa: S603 - fixed tools, our temporary files
        [certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True
    )
    subprocess.run(  # noqa: S603
        [certutil, "-A", "-n", "ldm-ca", "-t", "CT,C,C", "-i", str(ca_pem), "-d", f"sql:{nss}"],
        check=True,
    )
    return subprocess.run(  # noqa: S603
        [pdfsig, "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True, check=False
    ).stdout


def qpdf_check(pdf: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [require_tool("qpdf"), "--check", str(pdf)], capture_output=True, text=True, check=False
    )


def pdf_text(pdf: Path) -> str:
    return subprocess.run(  # noqa: S603
        [require_tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def qr_codes(pdf: Path, workdir: Path) -> list[str]:
    """The QR codes found on the first page, rendered to an image the way a phone sees it."""
    subprocess.run(  # noqa: S603
        [
            require_tool("pdftoppm"),
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(workdir / "page"),
        ],
        check=True,
    )
    image = Image.open(next(workdir.glob("page*.png")))
    return [code.text for code in zxingcpp.read_barcodes(image)]


def pades_lta_validation(pdf: bytes, trust_roots, *, at=None, time_stamping_units=()):
    """pyHanko's AdES validation of the letter's signature with the PAdES-LTA profile (ETSI EN
    319 102-1 §5.6.3), offline: no fetching of any kind, only what the file holds.

    The policy: revocation information is required for the head's certificate and for every
    timestamp's certificate, from the document. A verifier that is offline cannot have a
    revocation answer about the newest archive timestamp's unit newer than the file itself:
    it trusts the kabupaten's time-stamping units it was given (``time_stamping_units``, as
    /pki/ publishes them, or as a trusted list lists a TSA) the way it trusts the root.
    """
    import asyncio
    import datetime as dt
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        CertificateFetchingRule,
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.authority import CertTrustAnchor
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    from layanan.documents.signing.pades import asn1_certificate

    trust = SimpleTrustManager.build(
        trust_roots=[CertTrustAnchor(asn1_certificate(c)) for c in trust_roots]
    )
    signer_policy = CertValidationPolicySpec(
        trust_manager=trust, revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)
    )
    timestamp_trust = SimpleTrustManager.build(
        trust_roots=[CertTrustAnchor(asn1_certificate(c)) for c in trust_roots]
        + [CertTrustAnchor(asn1_certificate(c)) for c in time_stamping_units]
    )
    timestamp_policy = CertValidationPolicySpec(
        trust_manager=timestamp_trust, revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=signer_policy,
            ts_cert_validation_policy=timestamp_policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        )
    )
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_regular_signatures
    moment = at or dt.datetime.now(dt.UTC)
    timing = ValidationTimingInfo(moment, moment, point_in_time_validation=at is not None)
    return asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))
