"""Checking a letter someone holds: by its QR token, or by uploading the PDF itself.

An uploaded file is compared byte for byte (SHA-256) with the issued original. When it
differs, the file is examined to tell apart a letter of ours that was changed (its token or
a signature chaining to our trust roots is inside) from a file we never issued.
"""

import asyncio
import hashlib
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError

from layanan.documents.pki.authority import authorities
from layanan.letters.models import LetterRequest, RequestStatus

if TYPE_CHECKING:
    from pyhanko.sign.validation import EmbeddedPdfSignature

TOKEN_IN_REASON = re.compile(r"/v/([A-Za-z0-9_-]{20})/")
REASON = re.compile(rb"/Reason\s*\(")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


class Verdict:
    VALID = "valid"  # the issued original, in force
    EXPIRED = "expired"  # the original, past its validity
    REVOKED = "revoked"  # the original, revoked by the village
    TAMPERED = "tampered"  # one of our letters, but this file was changed
    UNKNOWN = "unknown"  # not a letter we issued


@dataclass(frozen=True)
class UploadCheck:
    verdict: str
    letter: LetterRequest | None = None


# What the page behind the QR code shows of a letter. A request row also holds the copy of
# its form and the type's texts and template: not loading them makes the page ~10 % cheaper.
_PAGE_FIELDS = (
    "registration_number",
    "status",
    "status_note",
    "applicant_name",
    "applicant_nik",
    "data",
    "letter_number",
    "issued_at",
    "valid_from",
    "valid_until",
    "signer_name",
    "signer_title",
    "verification_token",
    "letter_type__name",
    "village__name",
    "village__district__name",
)


def letter_by_token(token: str, *, for_page: bool = False) -> LetterRequest | None:
    """The issued (or revoked) letter of a verification token; with `for_page`, only what
    its public page shows."""
    letters = LetterRequest.objects.filter(
        verification_token=token, status__in=[RequestStatus.TERBIT, RequestStatus.DICABUT]
    ).select_related("letter_type", "village__district")
    if for_page:
        letters = letters.only(*_PAGE_FIELDS)
    return letters.first()


def letter_state(letter: LetterRequest) -> str:
    if letter.status == RequestStatus.DICABUT:
        return Verdict.REVOKED
    if letter.is_expired(timezone.localdate()):
        return Verdict.EXPIRED
    return Verdict.VALID


def mask_nik(nik: str) -> str:
    """Show only the first 4 and last 2 digits: enough to compare with a KTP at hand."""
    return f"{nik[:4]}{'*' * (len(nik) - 6)}{nik[-2:]}" if len(nik) > 6 else "*" * len(nik)


@cache
def _trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """Every generation of the local CA, and the configured extra roots (BSrE's)."""
    certificates = [authority.certificate for authority in authorities()]
    for path in settings.LDM_TRUST_ROOTS:
        certificates.append(x509.load_pem_x509_certificate(Path(path).read_bytes()))
    return tuple(
        asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        for certificate in certificates
    )


def trust_roots_forget() -> None:
    """Drop this process's copy of the trust roots (after a restore or a new local CA)."""
    _trust_roots.cache_clear()


def _signed_by_us(content: bytes) -> bool:
    """True if the file carries a signature whose certificate chains to our trust roots,
    whether or not the signed bytes are still intact."""
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - a damaged or hostile file is simply not ours
        return False
    for signature in signatures:
        try:
            if _chains_to_our_roots(signature):
                return True
        except Exception:  # noqa: BLE001, S112 - a malformed signature: try the next one
            continue
    return False


def _chains_to_our_roots(signature: "EmbeddedPdfSignature") -> bool:
    """Whether the signer's certificate chains to our roots. Checked apart from the
    signature's integrity: a changed file breaks the latter but keeps the former."""
    context = ValidationContext(
        trust_roots=list(_trust_roots()),
        other_certs=list(signature.other_embedded_certs),
        allow_fetching=False,
        revocation_mode="soft-fail",
        # The certificate must have been valid when the letter was signed, not today.
        moment=signature.self_reported_timestamp,
    )
    validator = CertificateValidator(signature.signer_cert, validation_context=context)
    try:
        asyncio.run(validator.async_validate_path())
    except PathBuildingError:
        return False
    return True


def _literal_string(content: bytes, start: int, limit: int = 2000) -> str:
    """Decode a PDF literal string from ``start`` (just after its opening parenthesis)."""
    out = bytearray()
    depth, index = 1, start
    end = min(len(content), start + limit)
    while index < end:
        char = content[index : index + 1]
        if char == b"\\":
            following = content[index + 1 : index + 4]
            octal = re.match(rb"[0-7]{1,3}", following)
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                index += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(following[:1], following[:1])
            index += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                break
        out += char
        index += 1
    return out.decode("latin-1")


def tokens_in_signature_reasons(content: bytes) -> list[str]:
    """Verification tokens named in the signature dictionaries' /Reason, read from the raw
    bytes so that even a damaged file gives its origin away."""
    tokens = []
    for match in REASON.finditer(content):
        tokens += TOKEN_IN_REASON.findall(_literal_string(content, match.end()))
    return tokens


def letter_check_upload(content: bytes) -> UploadCheck:
    """Is this file a letter we issued, unchanged? See the module docstring."""
    digest = hashlib.sha256(content).hexdigest()
    original = (
        LetterRequest.objects.filter(
            document_sha256=digest, status__in=[RequestStatus.TERBIT, RequestStatus.DICABUT]
        )
        .select_related("letter_type", "village__district")
        .first()
    )
    if original is not None:
        return UploadCheck(letter_state(original), original)
    for token in tokens_in_signature_reasons(content):
        letter = letter_by_token(token)
        if letter is not None:
            return UploadCheck(Verdict.TAMPERED, letter)
    if content.startswith(b"%PDF-") and _signed_by_us(content):
        return UploadCheck(Verdict.TAMPERED)
    return UploadCheck(Verdict.UNKNOWN)
