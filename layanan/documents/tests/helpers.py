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
