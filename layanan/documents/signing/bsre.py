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
"""

import base64
import binascii
import hashlib
import io
import logging
import re
import ssl
from dataclasses import dataclass, field
from functools import cache

import httpx
import pypdf
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.status import SignatureCoverageLevel

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


# --- The port -----------------------------------------------------------------------------


class BSrESession:
    """A head's NIK and passphrase, kept in memory for the letters of one signing."""

    backend = "bsre"

    def __init__(self, *, client: BSrEClient, nik: str, passphrase: str):
        self._client = client
        self._nik = nik
        self._passphrase = passphrase

    def __repr__(self) -> str:
        return f"<BSrESession v{self._client.config.version}>"

    @property
    def batch_size(self) -> int:
        """How many letters one call signs (services sign a batch together)."""
        return V2_BATCH_MAX if self._client.config.version == 2 else 1

    def sign(self, documents: list[SignatureRequest]) -> list[SignedDocument]:
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
        return signed


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
