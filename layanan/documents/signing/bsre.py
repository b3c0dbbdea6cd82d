"""The BSrE adapter of the signer port: BSrE's Esign Client Service signs the letters.

A head's BSrE certificate is bound to their NIK (``User.staff_nik``) and unlocked by the
passphrase they type when signing (API: shared/docs/BSRE.md). Version 1 signs one PDF per
multipart call; version 2 sends a whole batch of PDFs, base64 in JSON, in one call.

The passphrase goes to BSrE in the request body and nowhere else. It is never logged; our
errors are raised outside the HTTP library's ``except`` blocks, so no exception whose
request still holds the body is chained to them; every text from BSrE that we show or log
is cleaned of it. Only the certificate status check is retried (once, and only when no
connection was made): a signing call is never sent twice.

A signed PDF that comes back is checked before it is handed on: it is a PDF, its newest
signature is intact and covers the document, and it is this very letter: the bytes we sent,
extended by an incremental update, or (if the service rewrote the file) a signed revision
whose text shows the letter's number and verification URL.

BSrE signs PAdES B-T (a signature timestamp of its own TSA). Every letter it returns is then
made B-LTA as ours are (``signing.pades``), without touching BSrE's signature: one more
incremental update with the DSS (BSrE's chain up to a root of ``LDM_TRUST_ROOTS``, and for
BSrE's signing and TSA certificates and its CA an OCSP answer or CRL, fetched from the URLs
the certificates name, after the signing) and a document timestamp of our TSA. Before that,
the signature is validated with that evidence: a chain that does not reach a trust root, a
revoked certificate or an unreachable OCSP responder and CRL leave the letter a draft. The
archive task (``documents.archive``) fetches fresh revocation information for such
certificates the same way (``revocation_fetch``).
"""

import base64
import binascii
import hashlib
import io
import logging
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx
import pypdf
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from layanan.documents.models import CertificatePurpose
from layanan.documents.pki.authority import PkiNotReady, ServiceIdentity, service_identity
from layanan.documents.pki.revocation import crl_current, ocsp_answer
from layanan.documents.pki.tsa import LocalTimeStamper, TimestampUnavailable, timestamper
from layanan.documents.signing import pades
from layanan.documents.signing.base import (
    SignatureRequest,
    SignedDocument,
    SignerNotReady,
    SignerUnavailable,
    SigningError,
    WrongPassphrase,
)

logger = logging.getLogger(__name__)

APPEARANCES = ("invisible", "qr_coordinates", "qr_marker")
STATUS_ISSUE = "ISSUE"
NOT_READY_STATUSES = (
    "EXPIRED",
    "RENEW",
    "WAITING_FOR_VERIFICATION",
    "NEW",
    "NO_CERTIFICATE",
    "NOT_REGISTERED",
    "SUSPEND",
    "REVOKE",
)
CODE_WRONG_PASSPHRASE = 2031
CODE_NOT_REGISTERED = 2011
PDF_REJECTED = "proses signing gagal"
# Letters per v2 call: keeps a request body and BSrE's answer time bounded however many
# letters the head ticks (each call is one transaction holding the village's counter).
V2_BATCH_MAX = 20
MESSAGE_MAX = 200
NIK_FORMAT = re.compile(r"\d{16}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class BSrEConfig:
    """The settings of the adapter, read once per signing session."""

    url: str
    version: int
    username: str
    password: str = field(repr=False)
    timeout: float = 30.0
    connect_timeout: float = 5.0
    appearance: str = "invisible"
    marker: str = "#"
    page: str = "last"
    x: int = 400
    y: int = 90
    width: int = 130
    height: int = 70
    ca_bundle: str = ""

    @classmethod
    def from_settings(cls) -> "BSrEConfig":
        config = cls(
            url=settings.LDM_BSRE_URL.rstrip("/"),
            version=int(settings.LDM_BSRE_API_VERSION),
            username=settings.LDM_BSRE_USERNAME,
            password=settings.LDM_BSRE_PASSWORD,
            timeout=float(settings.LDM_BSRE_TIMEOUT),
            connect_timeout=float(settings.LDM_BSRE_CONNECT_TIMEOUT),
            appearance=settings.LDM_BSRE_APPEARANCE,
            marker=settings.LDM_BSRE_MARKER,
            page=str(settings.LDM_BSRE_VISIBLE_PAGE),
            x=settings.LDM_BSRE_VISIBLE_X,
            y=settings.LDM_BSRE_VISIBLE_Y,
            width=settings.LDM_BSRE_VISIBLE_WIDTH,
            height=settings.LDM_BSRE_VISIBLE_HEIGHT,
            ca_bundle=settings.LDM_BSRE_CA_BUNDLE,
        )
        if not config.url:
            raise ImproperlyConfigured("LDM_SIGNER=bsre needs LDM_BSRE_URL")
        if config.version not in {1, 2}:
            raise ImproperlyConfigured("LDM_BSRE_API_VERSION must be 1 or 2")
        if config.appearance not in APPEARANCES:
            raise ImproperlyConfigured(f"LDM_BSRE_APPEARANCE must be one of {APPEARANCES}")
        if config.appearance == "qr_marker" and not config.marker:
            raise ImproperlyConfigured("LDM_BSRE_APPEARANCE=qr_marker needs LDM_BSRE_MARKER")
        return config


# --- BSrE's answers in our words --------------------------------------------------------


def clean_message(text, passphrase: str = "") -> str:
    """A remote text fit to show and log: one short line, never holding the passphrase."""
    text = str(text or "")
    if passphrase:
        text = text.replace(passphrase, "***")
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > MESSAGE_MAX:
        text = text[: MESSAGE_MAX - 1] + "…"
    if passphrase and passphrase in text:  # only possible if the cut or spacing joined it
        return "***"
    return text


def not_ready_message(status: str, bsre_message: str = "") -> str:
    """Why a certificate in this status cannot sign, and what the head can do."""
    reasons = {
        "NOT_REGISTERED": _("Your NIK is not registered with BSrE for electronic signatures"),
        "NO_CERTIFICATE": _("You have no BSrE signing certificate yet; apply for one at BSrE"),
        "NEW": _("Your BSrE certificate application has not been processed yet"),
        "WAITING_FOR_VERIFICATION": _(
            "Your BSrE certificate application is still waiting for verification"
        ),
        "EXPIRED": _("Your BSrE signing certificate has expired; renew it at BSrE"),
        "RENEW": _("Your BSrE signing certificate is being renewed; sign once it is issued"),
        "SUSPEND": _("Your BSrE signing certificate is suspended; contact BSrE"),
        "REVOKE": _("Your BSrE signing certificate was revoked; apply for a new one at BSrE"),
    }
    reason = reasons.get(status) or _(
        "Your BSrE signing certificate cannot sign (status %(status)s)"
    ) % {"status": clean_message(status)[:40]}
    if bsre_message:
        return _("%(reason)s (BSrE: %(message)s). The letter was not signed.") % {
            "reason": reason,
            "message": bsre_message,
        }
    return _("%(reason)s. The letter was not signed.") % {"reason": reason}


def _status_code(body: dict) -> int | None:
    value = body.get("status_code")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def refusal(body: dict, passphrase: str = "") -> SigningError:
    """The domain error for an error body of BSrE: ``{"error"|"message", "status_code"}``."""
    message = clean_message(body.get("error") or body.get("message"), passphrase)
    code = _status_code(body)
    status = body.get("status")
    status = status.upper() if isinstance(status, str) else ""
    shown = message or str(code or "-")
    if code == CODE_WRONG_PASSPHRASE:
        return WrongPassphrase(
            _("The passphrase is wrong (BSrE: %(message)s). The letter was not signed.")
            % {"message": shown}
        )
    if code == CODE_NOT_REGISTERED:
        return SignerNotReady(not_ready_message("NOT_REGISTERED", message))
    if status in NOT_READY_STATUSES:
        return SignerNotReady(not_ready_message(status, message))
    if message.lower().startswith(PDF_REJECTED):
        return SigningError(
            _(
                "BSrE could not sign the letter's PDF (BSrE: %(message)s). The letter stays "
                "a draft; please tell the administrator."
            )
            % {"message": shown},
            code="pdf_rejected",
        )
    return SigningError(
        _("BSrE refused to sign (BSrE: %(message)s). The letter stays a draft.")
        % {"message": shown},
        code="bsre_refused",
    )


def _json(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def answer_error(response: httpx.Response, passphrase: str = "") -> SigningError:
    """The domain error for an answer that is not what was asked for."""
    if response.status_code == 401:
        logger.error("BSrE refused the application credentials (HTTP 401)")
        return SignerUnavailable(
            _(
                "The electronic signature service refused this application's credentials. "
                "The letter stays a draft; please tell the administrator."
            )
        )
    if response.status_code >= 500:
        logger.warning("BSrE answered HTTP %s", response.status_code)
        return SignerUnavailable()
    body = _json(response)
    if body is None or not (
        body.get("error") or body.get("message") or _status_code(body) or body.get("status")
    ):
        logger.warning(
            "BSrE answered HTTP %s with an unexpected body (%s bytes)",
            response.status_code,
            len(response.content),
        )
        return SignerUnavailable()
    error = refusal(body, passphrase)
    logger.info("BSrE refused: HTTP %s, code %s", response.status_code, _status_code(body))
    return error


# --- The HTTP client ----------------------------------------------------------------------


def _page_number(page: str, pdf: bytes) -> int:
    if page == "first":
        return 1
    if page.isdigit():
        return int(page)
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _placement(config: BSrEConfig, document: SignatureRequest) -> dict | None:
    """Where BSrE draws its visible QR code, or None for an invisible signature."""
    if config.appearance == "invisible" or not document.verification_url:
        return None
    if config.appearance == "qr_marker":
        return {"marker": config.marker, "width": config.width, "height": config.height}
    return {
        "page": _page_number(config.page, document.pdf),
        "x": config.x,
        "y": config.y,
        "width": config.width,
        "height": config.height,
    }


def v1_fields(config: BSrEConfig, document: SignatureRequest) -> dict[str, str]:
    """The multipart fields of /api/sign/pdf, apart from nik, passphrase and file."""
    fields = {"reason": document.reason, "location": document.location}
    place = _placement(config, document)
    if place is None:
        return {**fields, "tampilan": "invisible"}
    fields |= {"tampilan": "visible", "image": "false", "linkQR": document.verification_url}
    if "marker" in place:
        fields |= {"tag_koordinat": place["marker"]}
    else:
        fields |= {"page": str(place["page"]), "xAxis": str(place["x"]), "yAxis": str(place["y"])}
    return fields | {"width": str(place["width"]), "height": str(place["height"])}


def v2_properties(config: BSrEConfig, document: SignatureRequest) -> dict:
    """One signatureProperties entry of /api/v2/sign/pdf."""
    properties: dict[str, object] = {"reason": document.reason, "location": document.location}
    place = _placement(config, document)
    if place is None:
        return {**properties, "tampilan": "INVISIBLE"}
    # v2 documents only imageBase64; linkQR is sent as in v1 (unsure in BSRE.md).
    properties |= {"tampilan": "VISIBLE", "image": False, "linkQR": document.verification_url}
    if "marker" in place:
        properties |= {"tag_koordinat": place["marker"]}
    else:
        properties |= {"page": place["page"], "originX": place["x"], "originY": place["y"]}
    return properties | {"width": place["width"], "height": place["height"]}


@cache
def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    """Verification of BSrE's certificate: by the given CA bundle, or the system's."""
    return ssl.create_default_context(cafile=ca_bundle or None)


class BSrEClient:
    """BSrE's endpoints; each call opens and closes its own connection."""

    def __init__(self, config: BSrEConfig, *, transport: httpx.BaseTransport | None = None):
        self.config = config
        self._transport = transport

    def _client(self) -> httpx.Client:
        config = self.config
        return httpx.Client(
            base_url=config.url,
            auth=httpx.BasicAuth(config.username, config.password) if config.username else None,
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            verify=_tls_context(config.ca_bundle),
            transport=self._transport,
            follow_redirects=False,
        )

    def _call(self, what: str, method: str, path: str, *, retries: int = 0, **kwargs):
        """One request. Any failure to get an answer is SignerUnavailable, raised after the
        ``except`` block so that nothing holding the request is chained to it."""
        failure = ""
        for attempt in range(retries + 1):
            try:
                with self._client() as client:
                    return client.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                # Nothing reached BSrE: safe to try once more where the caller allows it.
                failure = type(error).__name__
                if attempt < retries:
                    logger.info("BSrE %s: %s, trying once more", what, failure)
            except httpx.HTTPError as error:
                failure = type(error).__name__
                break
        logger.warning("BSrE %s failed: %s", what, failure)
        raise SignerUnavailable

    def certificate_status(self, nik: str) -> tuple[str, str]:
        """(status, BSrE's message) of the certificate bound to the NIK."""
        if self.config.version == 1:
            response = self._call("status check", "GET", f"/api/user/status/{nik}", retries=1)
        else:
            response = self._call(
                "status check", "POST", "/api/v2/user/check/status", json={"nik": nik}, retries=1
            )
        if response.status_code >= 500 or response.status_code == 401:
            raise answer_error(response)
        body = _json(response) or {}
        status = body.get("status")
        if isinstance(status, str) and status:
            return status.strip().upper(), clean_message(body.get("message"))
        raise answer_error(response)

    @sensitive_variables("passphrase", "fields")
    def sign_v1(self, *, nik: str, passphrase: str, document: SignatureRequest) -> bytes:
        fields = {"nik": nik, "passphrase": passphrase, **v1_fields(self.config, document)}
        response = self._call(
            "signing (v1)",
            "POST",
            "/api/sign/pdf",
            data=fields,
            files={"file": ("surat.pdf", document.pdf, "application/pdf")},
        )
        if response.status_code != 200 or not response.content.startswith(b"%PDF-"):
            raise answer_error(response, passphrase)
        return response.content

    @sensitive_variables("passphrase", "payload")
    def sign_v2(
        self, *, nik: str, passphrase: str, documents: list[SignatureRequest]
    ) -> list[bytes]:
        properties = [v2_properties(self.config, document) for document in documents]
        if all(entry == properties[0] for entry in properties):
            properties = properties[:1]  # one shared entry (BSRE.md: batch signing)
        payload = {
            "nik": nik,
            "passphrase": passphrase,
            "signatureProperties": properties,
            "file": [base64.b64encode(document.pdf).decode() for document in documents],
        }
        response = self._call("signing (v2)", "POST", "/api/v2/sign/pdf", json=payload)
        body = _json(response) if response.status_code == 200 else None
        files = body.get("file") if body else None
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or len(files) != len(documents):
            raise answer_error(response, passphrase)
        decoded = []
        for encoded in files:
            try:
                decoded.append(base64.b64decode(encoded, validate=True))
            except (binascii.Error, TypeError, ValueError):
                logger.warning("BSrE answered v2 signing with a file that is not base64")
                raise SignerUnavailable from None
        return decoded


# --- Checking what comes back ----------------------------------------------------------


def _newest_intact_signature(reader: PdfFileReader):
    """The newest signature if it is intact and nothing but archival data (document
    timestamps, validation data) follows it."""
    signatures = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
    if not signatures:
        return None
    signature = max(signatures, key=lambda s: s.signed_revision)
    signature.compute_integrity_info()
    if signature.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        diff = signature.diff_result
        if not (
            isinstance(diff, DiffResult)
            and diff.modification_level <= ModificationLevel.LTA_UPDATES
        ):
            return None
    elif signature.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return None
    intact, valid = validate_sig_integrity(
        signature.signer_info, signature.signer_cert, "data", signature.compute_digest()
    )
    return signature if intact and valid else None


def _squeezed(text: str) -> str:
    return "".join(text.replace("\xad", "").split())


def _shows_letter(signed_revision: bytes, document: SignatureRequest) -> bool:
    """Whether a rewritten file's signed revision shows this letter's number and URL."""
    if not (document.letter_number and document.verification_url):
        return False
    try:
        reader = pypdf.PdfReader(io.BytesIO(signed_revision))
        text = _squeezed("".join(page.extract_text() or "" for page in reader.pages))
    except Exception:  # noqa: BLE001 - an unreadable file simply is not our letter
        return False
    return (
        _squeezed(document.letter_number) in text and _squeezed(document.verification_url) in text
    )


def signed_document_check(document: SignatureRequest, returned: bytes) -> SignedDocument:
    """The returned PDF if it is this letter, signed; a SigningError otherwise."""
    if not returned.startswith(b"%PDF-"):
        logger.warning("BSrE returned something that is not a PDF (%s bytes)", len(returned))
        raise SignerUnavailable
    try:
        signature = _newest_intact_signature(PdfFileReader(io.BytesIO(returned), strict=False))
    except Exception as error:  # noqa: BLE001 - a malformed file or signature is refused below
        logger.warning(
            "BSrE returned a PDF whose signature cannot be read: %s", type(error).__name__
        )
        signature = None
    if signature is None:
        raise SigningError(
            _(
                "The signature service returned the letter without a valid signature. "
                "Nothing was stored; the letter stays a draft."
            ),
            code="not_signed",
        )
    signed_length = int(signature.byte_range[2]) + int(signature.byte_range[3])
    if not (returned.startswith(document.pdf) or _shows_letter(returned[:signed_length], document)):
        logger.warning("BSrE returned a signed PDF that is not the letter sent")
        raise SigningError(
            _(
                "The signature service returned a document that is not this letter. "
                "Nothing was stored; the letter stays a draft."
            ),
            code="not_our_document",
        )
    return SignedDocument(
        pdf=returned,
        certificate_fingerprint=hashlib.sha256(signature.signer_cert.dump()).hexdigest(),
    )


# --- Revocation information from the certificates' own CAs --------------------------------

# Seconds to wait for an OCSP responder's or a CRL's answer (the connection itself:
# LDM_BSRE_CONNECT_TIMEOUT); LDM_BSRE_REVOCATION_TIMEOUT when set.
REVOCATION_TIMEOUT = 10.0
# A CRL larger than this is not fetched (nor embedded in every letter).
REVOCATION_MAX_BYTES = 8 * 1024 * 1024
CHAIN_MAX = 8
OCSP_REQUEST = "application/ocsp-request"


def certificate_parse(certificate) -> x509.Certificate:
    """An asn1crypto certificate (as pyHanko gives them) as a cryptography one."""
    return x509.load_der_x509_certificate(certificate.dump())


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def self_signed(certificate: x509.Certificate) -> bool:
    return _issued_by(certificate, certificate)


def certificate_chain(
    certificate: x509.Certificate, pool: Iterable[x509.Certificate]
) -> list[x509.Certificate]:
    """The certificate and its issuers found in ``pool``, up to a self-signed one or as far
    as the pool goes."""
    candidates = list(pool)
    chain = [certificate]
    while not self_signed(chain[-1]) and len(chain) < CHAIN_MAX:
        issuer = next((c for c in candidates if c not in chain and _issued_by(chain[-1], c)), None)
        if issuer is None:
            break
        chain.append(issuer)
    return chain


def _addresses(certificate: x509.Certificate) -> tuple[list[str], list[str]]:
    """The certificate's OCSP responders and CRL distribution points (http and https)."""
    ocsp_urls: list[str] = []
    crl_urls: list[str] = []
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        ocsp_urls = [
            str(entry.access_location.value)
            for entry in access.value
            if entry.access_method == AuthorityInformationAccessOID.OCSP
        ]
    except x509.ExtensionNotFound:
        pass
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        crl_urls = [
            str(name.value)
            for point in points.value
            for name in point.full_name or []
            if isinstance(name, x509.UniformResourceIdentifier)
        ]
    except x509.ExtensionNotFound:
        pass

    def web(urls: list[str]) -> list[str]:
        return [url for url in urls if url.lower().startswith(("http://", "https://"))]

    return web(ocsp_urls), web(crl_urls)


def _download(client: httpx.Client, method: str, url: str, **kwargs) -> bytes | None:
    """The body of a 200 answer, at most REVOCATION_MAX_BYTES; None (logged) otherwise."""
    try:
        with client.stream(method, url, **kwargs) as response:
            if response.status_code != 200:
                logger.warning("revocation information at %s: HTTP %s", url, response.status_code)
                return None
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > REVOCATION_MAX_BYTES:
                    logger.warning("revocation information at %s is too large", url)
                    return None
            return bytes(body)
    except httpx.HTTPError as error:
        logger.warning("revocation information at %s not fetched: %s", url, type(error).__name__)
        return None


def _ocsp_fetch(
    client: httpx.Client, url: str, certificate: x509.Certificate, issuer: x509.Certificate
) -> bytes | None:
    """The responder's answer (DER) about the certificate, if it knows its status."""
    request = (
        ocsp.OCSPRequestBuilder()
        # SHA-1 names the certificate in the request, as RFC 5019 responders expect.
        .add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    body = _download(client, "POST", url, content=request, headers={"Content-Type": OCSP_REQUEST})
    if body is None:
        return None
    try:
        answer = ocsp.load_der_ocsp_response(body)
        known = (
            answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
            and answer.serial_number == certificate.serial_number
            and answer.certificate_status != ocsp.OCSPCertStatus.UNKNOWN
        )
    except ValueError:
        known = False
    if not known:
        logger.warning("OCSP responder %s gave no status of the certificate", url)
        return None
    return body


def _crl_fetch(client: httpx.Client, url: str, issuer: x509.Certificate) -> bytes | None:
    """The CRL (DER) at ``url``, if ``issuer`` signed it."""
    body = _download(client, "GET", url)
    if body is None:
        return None
    try:
        crl = x509.load_der_x509_crl(body)
    except ValueError:
        try:
            crl = x509.load_pem_x509_crl(body)
        except ValueError:
            logger.warning("%s is not a CRL", url)
            return None
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        logger.warning("the CRL at %s is not its CA's", url)
        return None
    return crl.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class Revocation:
    """Revocation information fetched now, and the certificates none could be had for."""

    evidence: pades.Evidence
    missing: list[x509.Certificate]


def revocation_fetch(
    certificates: Iterable[x509.Certificate], *, issuers: Iterable[x509.Certificate]
) -> Revocation:
    """For each certificate that is not self-signed, an answer of the OCSP responder it
    names or else the CRL of its CA, fetched over HTTP from the addresses in it (ETSI EN 319
    102-1: revocation information issued after the signature it is to prove)."""
    pool = list(issuers)
    timeout = httpx.Timeout(
        float(getattr(settings, "LDM_BSRE_REVOCATION_TIMEOUT", REVOCATION_TIMEOUT)),
        connect=float(settings.LDM_BSRE_CONNECT_TIMEOUT),
    )
    answers: list[bytes] = []
    crls: dict[str, bytes | None] = {}  # by URL: the certificates of one CA share it
    missing: list[x509.Certificate] = []
    seen: list[x509.Certificate] = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:

        def crl_at(url: str, issuer: x509.Certificate) -> bytes | None:
            if url not in crls:
                crls[url] = _crl_fetch(client, url, issuer)
            return crls[url]

        for certificate in certificates:
            if certificate in seen or self_signed(certificate):
                continue
            seen.append(certificate)
            ocsp_urls, crl_urls = _addresses(certificate)
            if not (ocsp_urls or crl_urls):
                continue  # nothing to fetch: the validation says whether that will do
            issuer = next((c for c in pool if _issued_by(certificate, c)), None)
            if issuer is None:
                missing.append(certificate)
                continue
            # The responder's answer is short and about this certificate only: asked first.
            answer = _first(_ocsp_fetch(client, url, certificate, issuer) for url in ocsp_urls)
            if answer is not None:
                answers.append(answer)
            elif _first(crl_at(url, issuer) for url in crl_urls) is None:
                missing.append(certificate)
    fetched = list(dict.fromkeys(crl for crl in crls.values() if crl is not None))
    return Revocation(pades.Evidence([], answers, fetched), missing)


def _first(values: Iterable[bytes | None]) -> bytes | None:
    """The first value that is not None (the rest are not computed)."""
    return next((value for value in values if value is not None), None)


# --- BSrE's letters made B-LTA ------------------------------------------------------------


def _revocation_unavailable() -> SignerUnavailable:
    return SignerUnavailable(
        _(
            "BSrE's certificate status service (OCSP or CRL) cannot be reached, so the "
            "signature cannot be made verifiable for the long term. The letter stays a draft; "
            "please try again later."
        )
    )


def _not_verifiable() -> SignerUnavailable:
    return SignerUnavailable(
        _(
            "The signature returned by BSrE could not be verified (its certificate chain, "
            "revocation status or timestamp). The letter stays a draft; please tell the "
            "administrator."
        )
    )


def _trust_roots() -> list[x509.Certificate]:
    """The configured roots (LDM_TRUST_ROOTS) BSrE's certificates must chain to."""
    roots: list[x509.Certificate] = []
    for path in settings.LDM_TRUST_ROOTS:
        roots += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return roots


def _newest_signature(reader: PdfFileReader) -> EmbeddedPdfSignature:
    return max(reader.embedded_regular_signatures, key=lambda s: s.signed_revision)


def _signer_and_units(signature: EmbeddedPdfSignature) -> list[x509.Certificate]:
    """The signer's certificate and those of time-stamping units among what it carries."""
    found = [certificate_parse(signature.signer_cert)]
    for carried in pades.signature_certificates(signature)[1:]:
        usage = carried.extended_key_usage_value
        if usage is not None and "time_stamping" in usage.native:
            found.append(certificate_parse(carried))
    return found


class LongTermExtension:
    """BSrE's signed letters of one session made B-LTA: validated with revocation
    information fetched after the signing, then the DSS and our document timestamp."""

    def __init__(self) -> None:
        try:
            self.trust_roots = _trust_roots()
        except (OSError, ValueError) as error:
            logger.error("LDM_TRUST_ROOTS cannot be read: %s", error)
            raise _not_verifiable() from None
        try:
            self.timestamper: TimeStamper = timestamper()
            self.unit: ServiceIdentity | None = (
                self.timestamper.unit.identity
                if isinstance(self.timestamper, LocalTimeStamper)
                else None
            )
            self._unit_evidence = pades.Evidence()
            if self.unit is not None:
                self._responder = service_identity(CertificatePurpose.OCSP, self.unit.authority)
                self._unit_evidence = pades.Evidence(
                    [
                        self.unit.certificate,
                        self.unit.authority.certificate,
                        self._responder.certificate,
                    ],
                    [],
                    [crl_current(self.unit.authority)],
                )
        except PkiNotReady as error:
            raise SignerNotReady(_("The local certificate authority is not set up yet.")) from error
        except ImproperlyConfigured as error:  # the PKI's keys do not open: the operators' job
            logger.error("signing refused: %s", error)
            raise SignerUnavailable(
                _(
                    "The signing service cannot use its keys right now. The letter stays a "
                    "draft; please tell the district admin."
                )
            ) from error

    def _chains(self, signature: EmbeddedPdfSignature) -> list[x509.Certificate]:
        """Every certificate of the chains of the signer and of its TSA, up to a trust root;
        a chain that reaches none is refused."""
        carried = [certificate_parse(c) for c in pades.signature_certificates(signature)]
        pool = [*carried, *self.trust_roots]
        found: list[x509.Certificate] = []
        for certificate in _signer_and_units(signature):
            chain = certificate_chain(certificate, pool)
            if chain[-1] not in self.trust_roots:
                logger.warning(
                    "BSrE's certificate %s does not chain to LDM_TRUST_ROOTS (reaches %s)",
                    certificate.subject.rfc4514_string(),
                    chain[-1].subject.rfc4514_string(),
                )
                raise _not_verifiable()
            found += [c for c in chain if c not in found]
        return found

    def _check(
        self,
        signature: EmbeddedPdfSignature,
        chain: list[x509.Certificate],
        revocation: Revocation,
    ) -> None:
        """BSrE's signature and its timestamp valid now, with the fetched evidence only."""
        context = ValidationContext(
            trust_roots=[pades.asn1_certificate(c) for c in self.trust_roots],
            other_certs=[pades.asn1_certificate(c) for c in chain],
            ocsps=[asn1_ocsp.OCSPResponse.load(a) for a in revocation.evidence.ocsp_answers],
            crls=[asn1_crl.CertificateList.load(c) for c in revocation.evidence.crls],
            allow_fetching=False,
            revocation_mode="require",
        )
        try:
            status = validate_pdf_signature(
                signature, signer_validation_context=context, ts_validation_context=context
            )
        except Exception as error:  # noqa: BLE001 - a signature that cannot be validated is refused
            logger.warning("BSrE's signature cannot be validated: %s", type(error).__name__)
            raise _not_verifiable() from None
        if status.revoked:
            raise SignerNotReady(not_ready_message("REVOKE"))
        if not status.bottom_line:
            logger.warning("BSrE's signature is not valid: %s", status.summary())
            raise _not_verifiable()

    def extend(self, documents: list[SignedDocument]) -> list[SignedDocument]:
        """The letters with the DSS and our document timestamp appended (B-LTA)."""
        readers = [PdfFileReader(io.BytesIO(d.pdf), strict=False) for d in documents]
        signatures = [_newest_signature(reader) for reader in readers]
        chains = [self._chains(signature) for signature in signatures]
        everything = [c for chain in chains for c in chain]
        # Fetched once for the whole call: the letters of one session share the certificates.
        revocation = revocation_fetch(everything, issuers=everything)
        if revocation.missing:
            raise _revocation_unavailable()
        extended = []
        for document, signature, chain in zip(documents, signatures, chains, strict=True):
            self._check(signature, chain, revocation)
            extended.append(self._extended(document, chain, revocation))
        return extended

    def _extended(
        self, document: SignedDocument, chain: list[x509.Certificate], revocation: Revocation
    ) -> SignedDocument:
        evidence = pades.Evidence(chain) + revocation.evidence + self._unit_evidence
        if self.unit is not None:
            # Our unit's status, made now, after BSrE's signature (as for our own letters).
            evidence = evidence + pades.Evidence(
                [],
                [
                    ocsp_answer(
                        self.unit.issued, authority=self.unit.authority, responder=self._responder
                    )
                ],
            )
        try:
            output = pades.long_term_extend(
                io.BytesIO(document.pdf),
                evidence=evidence,
                timestamper=self.timestamper,
                field_name=f"{pades.TIMESTAMP_FIELD_PREFIX}1",
            )
        except TimestampUnavailable as error:
            raise SignerUnavailable(
                _(
                    "The time-stamping service is not available right now. The letter "
                    "stays a draft; please try again later."
                )
            ) from error
        pdf = output.getvalue()
        return SignedDocument(
            pdf=pdf,
            certificate_fingerprint=document.certificate_fingerprint,
            timestamp_valid_until=(
                self.unit.issued.not_after
                if self.unit is not None
                else pades.newest_timestamp_valid_until(pdf)
            ),
        )


# --- The port -----------------------------------------------------------------------------


class BSrESession:
    """A head's NIK and passphrase, kept in memory for the letters of one signing."""

    backend = "bsre"

    def __init__(self, *, client: BSrEClient, nik: str, passphrase: str):
        self._client = client
        self._nik = nik
        self._passphrase = passphrase
        self._extension: LongTermExtension | None = None

    def __repr__(self) -> str:
        return f"<BSrESession v{self._client.config.version}>"

    @property
    def batch_size(self) -> int:
        """How many letters one call signs (services sign a batch together)."""
        return V2_BATCH_MAX if self._client.config.version == 2 else 1

    def sign(self, documents: list[SignatureRequest]) -> list[SignedDocument]:
        # Our side first (trust roots, the time-stamping unit): if it cannot extend the
        # letters, BSrE is not asked to sign them.
        if self._extension is None:
            self._extension = LongTermExtension()
        if self._client.config.version == 1:
            returned = [
                self._client.sign_v1(nik=self._nik, passphrase=self._passphrase, document=d)
                for d in documents
            ]
        else:
            returned = []
            for start in range(0, len(documents), V2_BATCH_MAX):
                returned += self._client.sign_v2(
                    nik=self._nik,
                    passphrase=self._passphrase,
                    documents=documents[start : start + V2_BATCH_MAX],
                )
        signed = [
            signed_document_check(document, pdf)
            for document, pdf in zip(documents, returned, strict=True)
        ]
        logger.info("BSrE signed %s document(s)", len(signed))
        return self._extension.extend(signed)


class BSrESigner:
    name = "bsre"

    def __init__(self, *, transport: httpx.BaseTransport | None = None):
        self._transport = transport

    @sensitive_variables("passphrase")
    def open_session(self, *, user, passphrase: str) -> BSrESession:
        """Check the head's NIK and certificate status; BSrE checks the passphrase only
        when it signs (the API has no other way), so a wrong one shows up then."""
        nik = (user.staff_nik or "").strip()
        if not nik:
            raise SignerNotReady(
                _(
                    "Your staff profile has no NIK, and BSrE finds your signing certificate "
                    "by NIK. Ask the district admin to fill it in."
                )
            )
        if not NIK_FORMAT.fullmatch(nik):
            raise SignerNotReady(
                _("The NIK in your staff profile is not 16 digits. Ask the district admin.")
            )
        client = BSrEClient(BSrEConfig.from_settings(), transport=self._transport)
        status, message = client.certificate_status(nik)
        if status != STATUS_ISSUE:
            raise SignerNotReady(not_ready_message(status, message))
        return BSrESession(client=client, nik=nik, passphrase=passphrase)
