"""PAdES B-LTA, the shape of every letter we issue.

1. The head's signature is a *certification* signature (DocMDP: no content changes; filling
   the signature fields the letter already has, such as a camat's countersignature, and
   long-term validation updates stay allowed), with an RFC 3161 signature timestamp and a
   visible field over the letter's signature block: PAdES B-T.
2. One incremental update then adds the document security store (DSS: the certificates, the
   OCSP answers and CRLs that prove them valid at signing) and a document timestamp over
   all of it: B-LTA. The archive task appends the same pair again before the last
   timestamp's certificate ends (``documents.archive``).

Nothing after step 1 changes what the head signed: the signature's byte range stays the
letter's first signed revision.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.stamp import StaticStampStyle

from layanan.documents.pki.der import verbatim
from layanan.documents.signing.base import SignatureRequest

SIGNATURE_FIELD = "TandaTanganElektronik"
TIMESTAMP_FIELD_PREFIX = "StempelWaktuArsip"
# Bytes reserved for the CMS signature (with its timestamp token) and for a document
# timestamp: fixed, so that pyHanko writes each revision once.
SIGNATURE_BYTES_RESERVED = 12288
TIMESTAMP_BYTES_RESERVED = 6144
# The visible field: a thin green frame over the signature block that Typst drew (the block
# itself names the signer and the time); no text of its own, so no font to embed (PDF/A).
FRAME = StaticStampStyle(border_width=1, border_color=(0.08, 0.42, 0.26), background=None)


class _Pdf17Signer(signers.PdfSigner):
    """pyHanko marks a document signed with an elliptic-curve key as PDF 2.0 (ISO 32002).
    Letters are PDF/A-2b, which is PDF 1.7: they keep 1.7 with the ESIC extension that
    PAdES defines for it, as PDF 1.7 validators expect ECDSA signatures."""

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


class VerbatimSigner(signers.SimpleSigner):
    """pyHanko's in-memory signer, whose CMS is encoded once (``pki.der``)."""

    async def async_sign(self, *args: Any, **kwargs: Any) -> cms.ContentInfo:
        return verbatim(await super().async_sign(*args, **kwargs))


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Evidence:
    """What proves a letter's certificates valid at the time it is signed or re-stamped:
    the certificates of every chain, OCSP answers and CRLs (DER)."""

    certificates: list[x509.Certificate] = field(default_factory=list)
    ocsp_answers: list[bytes] = field(default_factory=list)
    crls: list[bytes] = field(default_factory=list)

    def __add__(self, other: "Evidence") -> "Evidence":
        return Evidence(
            [*self.certificates, *other.certificates],
            [*self.ocsp_answers, *other.ocsp_answers],
            [*self.crls, *other.crls],
        )


def certify(
    pdf: bytes,
    *,
    request: SignatureRequest,
    signer: signers.Signer,
    timestamper: TimeStamper,
) -> io.BytesIO:
    """The head's certification signature with its signature timestamp (B-T)."""
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=request.reason,
        location=request.location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    field_spec = None
    if request.signature_box is not None:
        page, x1, y1, x2, y2 = request.signature_box
        field_spec = fields.SigFieldSpec(
            SIGNATURE_FIELD, on_page=page, box=(round(x1), round(y1), round(x2), round(y2))
        )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return _Pdf17Signer(
        metadata,
        signer=signer,
        timestamper=timestamper,
        new_field_spec=field_spec,
        stamp_style=FRAME,
    ).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES_RESERVED)


def long_term_extend(
    output: io.BytesIO, *, evidence: Evidence, timestamper: TimeStamper, field_name: str
) -> io.BytesIO:
    """Append the DSS with ``evidence`` and a document timestamp over everything (LTA),
    in one incremental update of ``output`` (changed in place)."""
    writer = IncrementalPdfFileWriter(output)
    DocumentSecurityStore.supply_dss_in_writer(
        writer,
        None,
        certs=[verbatim(asn1_certificate(c)) for c in evidence.certificates],
        ocsps=[verbatim(asn1_ocsp.OCSPResponse.load(answer)) for answer in evidence.ocsp_answers],
        crls=[verbatim(asn1_crl.CertificateList.load(crl)) for crl in evidence.crls],
    )
    PdfTimeStamper(timestamper, field_name=field_name).timestamp_pdf(
        writer, "sha256", in_place=True, bytes_reserved=TIMESTAMP_BYTES_RESERVED
    )
    return output


def newest_timestamp_valid_until(pdf: bytes) -> datetime:
    """When the certificate of the letter's newest document timestamp ends."""
    reader = PdfFileReader(io.BytesIO(pdf))
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        raise ValueError("the letter has no document timestamp")
    return stamps[-1].signer_cert.not_valid_after


def signature_certificates(signature: EmbeddedPdfSignature) -> list[asn1_x509.Certificate]:
    """The certificates a signature or document timestamp carries: its signer's first, then
    the rest of its CMS and those of its signature timestamp token (a signature made
    elsewhere, BSrE's, brings its chain and its TSA's there)."""
    found = [signature.signer_cert, *signature.other_embedded_certs]
    for attribute in signature.signer_info["unsigned_attrs"] or []:
        if attribute["type"].native != "signature_time_stamp_token":
            continue
        for token in attribute["values"]:
            found += [choice.chosen for choice in token["content"]["certificates"] or []]
    return found
