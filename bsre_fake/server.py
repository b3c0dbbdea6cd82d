"""A stand-in for BSrE's Esign Client Service, for tests and demos. Never for production.

It answers the v1 and v2 endpoints of shared/docs/BSRE.md with real PAdES signatures made
by pyHanko, from a test CA it creates in memory when it starts (its certificate is served at
``GET /_fake/ca.pem`` and may be written to a file). Users (NIK, name, passphrase,
certificate status) and the application credentials come from a TOML file, see
``users.example.toml``. ``POST /_fake/mode`` switches the failure a test needs:

| mode | what the service then does |
| --- | --- |
| ok | signs as configured |
| wrong_passphrase | every signing: 400, 2031 "Passphrase anda salah" |
| not_registered | status: NOT_REGISTERED; signing: 400, 2011 "User tidak terdaftar" |
| expired | status: EXPIRED; signing: 400, certificate not active |
| slow | signing answers after ``delay`` seconds (default 5) |
| error500 | signing: 500 with an HTML page |
| garbage | signing: 200 with a body that is neither a PDF nor JSON |
| foreign | signing: 200 with another document, validly signed |
| rewrite | signs a rewritten copy of the file (not an incremental update of it) |
| unsigned | signing: 200 with the PDF sent, unsigned |
| reject_pdf | signing: 400, "Proses signing gagal: ..." |

``GET /_fake/stats`` counts the signing calls and signed documents since the mode was set.

A visible signature is a QR code of ``linkQR`` with the signer's name, placed by
coordinates (page, x, y, width, height in PDF points) or at the marker character
(``tag_koordinat``): the box's top-left corner goes where the last occurrence of the marker
is printed, searching from the last page. If the marker is not found, the box goes to the
request's coordinates or, without them, to the fallback box of the config file.
"""

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import secrets
import sys
import threading
import time
import tomllib
from collections import OrderedDict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import segno
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp.qr import QRStamp, QRStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

MODES = (
    "ok",
    "wrong_passphrase",
    "not_registered",
    "expired",
    "slow",
    "error500",
    "garbage",
    "foreign",
    "rewrite",
    "unsigned",
    "reject_pdf",
)
SIGN_PATHS = ("/api/sign/pdf", "/api/v2/sign/pdf")
STATUS_CODES = {"ISSUE": 1111, "NOT_REGISTERED": 1110}
KEPT_DOCUMENTS = 200
SIGNATURE_BYTES_RESERVED = 16384
MAX_BODY = 64 * 1024 * 1024


class ApiError(Exception):
    """An error answer: HTTP status, BSrE code and message."""

    def __init__(self, http_status: int, message: str, code: int | None = None):
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.code = code if code is not None else http_status


# --- Test CA and users ------------------------------------------------------------------


def _name(common_name: str, **extra) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")]
    if "organisation" in extra:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, extra["organisation"]))
    if "serial" in extra:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, extra["serial"]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


@dataclass
class User:
    nik: str
    name: str
    passphrase: str = field(repr=False)
    status: str = "ISSUE"
    email: str = ""
    signer: signers.SimpleSigner | None = field(default=None, repr=False)


class FakeCA:
    """A CA made at start; certificates for the users of the config file."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = _name("Fake BSrE Test CA (NOT FOR PRODUCTION)", organisation="bsre_fake")
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    def signer_for(self, user: User) -> signers.SimpleSigner:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(user.name, organisation="Pemerintah Daerah", serial=user.nik))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(
                certificate.public_bytes(serialization.Encoding.DER)
            ),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([self.asn1()]),
        )


@dataclass
class Config:
    username: str
    password: str = field(repr=False)
    users: dict[str, User]
    fallback_box: tuple[int, int, int, int] = (400, 90, 130, 70)  # x, y, width, height

    @classmethod
    def load(cls, path: Path) -> "Config":
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        auth = data.get("auth", {})
        users = {}
        for entry in data.get("user", []):
            user = User(
                nik=str(entry["nik"]),
                name=entry["name"],
                passphrase=entry["passphrase"],
                status=entry.get("status", "ISSUE").upper(),
                email=entry.get("email", ""),
            )
            users[user.nik] = user
        fallback = data.get("appearance", {}).get("fallback_box", [400, 90, 130, 70])
        x, y, width, height = (int(v) for v in fallback)
        return cls(
            username=auth.get("username", ""),
            password=auth.get("password", ""),
            users=users,
            fallback_box=(x, y, width, height),
        )


# --- Drawing and signing ------------------------------------------------------------------


class _SegnoQRStamp(QRStamp):
    """pyHanko's QR stamp with the code drawn by segno (the project's QR library)."""

    def _qr_xobject(self):
        border, box = 4, 10
        matrix = segno.make(self.url, error="m", micro=False).matrix
        size = len(matrix)
        commands = [
            b"0 0 0 rg 0 0 0 RG",
            b"%d 0 0 %d %d %d cm" % (box, -box, border * box, (border + size) * box),
        ]
        commands += [
            b"%d %d 1 1 re" % (col, row)
            for row, line in enumerate(matrix)
            for col, dark in enumerate(line)
            if dark
        ]
        commands.append(b"f")
        bbox = (size + 2 * border) * box
        xobject = init_xobject_dictionary(b"\n".join(commands), bbox, bbox)
        xobject.compress()
        writer = self.writer
        if writer is None:  # pyHanko gives a stamp its writer before it is drawn
            raise RuntimeError("the QR stamp has no PDF writer")
        return writer.add_object(xobject), bbox


class _SegnoQRStampStyle(QRStampStyle):
    def create_stamp(self, writer, box, text_params):
        url = text_params.pop("url")
        return _SegnoQRStamp(writer, style=self, url=url, text_params=text_params, box=box)


STAMP_STYLE = _SegnoQRStampStyle(
    stamp_text="Ditandatangani\nsecara elektronik:\n%(signer)s\nBSrE (tiruan)",
    text_box_style=TextBoxStyle(font_size=6),
    border_width=0,
)


def _find_marker(pdf: bytes, marker: str) -> tuple[int, float, float] | None:
    """(page index, x, y) of the last occurrence of the marker, searching from the end."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for index in range(len(reader.pages) - 1, -1, -1):
        found: list[tuple[float, float]] = []

        def visit(text, cm, tm, font, size, found=found):
            if marker in text:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((x, y))

        reader.pages[index].extract_text(visitor_text=visit)
        if found:
            return index, found[-1][0], found[-1][1]
    return None


def _page_index(value, pages: int) -> int:
    text = str(value or "last").strip().lower()
    if text in {"last", "terakhir"}:
        return -1
    if text in {"first", "pertama"}:
        return 0
    number = int(text)
    if not 1 <= number <= pages:
        raise ApiError(400, f"Halaman {number} tidak ada pada dokumen")
    return number - 1


def _number(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Appearance:
    """A visible signature request: the QR link and where it goes."""

    link: str
    page: object = None
    x: object = None
    y: object = None
    width: object = None
    height: object = None
    marker: str = ""


def _box(pdf: bytes, appearance: Appearance, fallback) -> tuple[int, tuple[float, ...]]:
    fx, fy, fw, fh = fallback
    width = _number(appearance.width, fw)
    height = _number(appearance.height, fh)
    if appearance.marker:
        found = _find_marker(pdf, appearance.marker)
        if found is not None:
            index, x, y = found
            top = y + 1  # the marker is printed 1pt high
            return index, (x, top - height, x + width, top)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    index = _page_index(appearance.page, pages)
    x = _number(appearance.x, fx)
    y = _number(appearance.y, fy)
    return index, (x, y, x + width, y + height)


def sign_pdf(
    pdf: bytes,
    user: User,
    *,
    reason: str,
    location: str,
    appearance: Appearance | None,
    fallback_box,
) -> bytes:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as error:  # noqa: BLE001 - any unreadable file is BSrE's refusal
        raise ApiError(
            400, f"Proses signing gagal: dokumen tidak dapat dibaca ({type(error).__name__})"
        ) from None
    field_name = f"TTE-BSrE-{secrets.token_hex(4)}"
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason or None,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    signer = user.signer
    if signer is None:  # FakeBSrE gives every user of the config a signer when it starts
        raise RuntimeError(f"user {user.nik} has no signer")
    if appearance is None:
        pdf_signer = signers.PdfSigner(metadata, signer=signer)
        params = None
    else:
        index, box = _box(pdf, appearance, fallback_box)
        pdf_signer = signers.PdfSigner(
            metadata,
            signer=signer,
            stamp_style=STAMP_STYLE,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=index,
                # pyHanko annotates the box as ints; a PDF rectangle takes any numbers.
                box=tuple(round(v, 2) for v in box),  # type: ignore[arg-type]
            ),
        )
        params = {"url": appearance.link}
    try:
        output = pdf_signer.sign_pdf(
            writer, bytes_reserved=SIGNATURE_BYTES_RESERVED, appearance_text_params=params
        )
    except ApiError:
        raise
    except Exception as error:  # noqa: BLE001 - as BSrE does: a refusal, not a crash
        raise ApiError(400, f"Proses signing gagal: {type(error).__name__}") from None
    return output.getvalue()


def foreign_pdf() -> bytes:
    """A small one-page PDF that is not anybody's letter."""
    content = b"BT /F1 14 Tf 72 760 Td (Dokumen lain, bukan surat ini. Nomor 999/999/I/2000) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def rewritten(pdf: bytes) -> bytes:
    """The same document written anew, as a service that re-saves files would."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def verify_summary(pdf: bytes, ca: FakeCA) -> list[dict]:
    """One dict per signature: who signed, whether it is intact and chains to the CA."""
    from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: PLC0415 - only for verify

    results = []
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for signature in reader.embedded_signatures:
        context = ValidationContext(trust_roots=[ca.asn1()], allow_fetching=False)
        try:
            status = validate_pdf_signature(signature, context)
            intact, trusted = status.intact and status.valid, status.trusted
        except Exception:  # noqa: BLE001 - a broken signature is reported as not valid
            intact = trusted = False
        certificate = signature.signer_cert
        results.append(
            {
                "field": signature.field_name,
                "signer_name": certificate.subject.native.get("common_name", ""),
                "signer_dn": certificate.subject.human_friendly,
                "issuer_dn": certificate.issuer.human_friendly,
                "reason": str(signature.sig_object.get("/Reason", "")),
                "location": str(signature.sig_object.get("/Location", "")),
                "signed_at": (
                    signature.self_reported_timestamp.isoformat()
                    if signature.self_reported_timestamp
                    else ""
                ),
                "intact": bool(intact),
                "trusted": bool(trusted),
            }
        )
    return results


# --- HTTP ------------------------------------------------------------------------------


def parse_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """The fields of a multipart/form-data body, by name (the last value wins)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "Permintaan bukan multipart/form-data")
    boundary = b"--" + match.group(1).encode()
    fields_found = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields_found[name.group(1).decode()] = value.removesuffix(b"\r\n")
    return fields_found


class FakeBSrE:
    """The service's state: config, CA, failure mode, documents kept for download."""

    def __init__(self, config: Config):
        self.config = config
        self.ca = FakeCA()
        for user in config.users.values():
            user.signer = self.ca.signer_for(user)
        self.mode = "ok"
        self.delay = 5.0
        # Signing requests and signed documents since the mode was last set (a request that
        # arrived before, e.g. one still sleeping in "slow" mode, is not counted).
        self.generation = 0
        self.sign_calls = 0
        self.documents_signed = 0
        self._lock = threading.Lock()
        self._documents: OrderedDict[str, bytes] = OrderedDict()

    def set_mode(self, mode: str, delay=None) -> None:
        if mode not in MODES:
            raise ApiError(400, f"Unknown mode {mode!r}; one of {', '.join(MODES)}")
        with self._lock:
            self.mode = mode
            self.delay = float(delay) if delay is not None else 5.0
            self.sign_calls = self.documents_signed = 0
            self.generation += 1

    def count_call(self, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self.sign_calls += 1

    def keep(self, pdf: bytes) -> str:
        document_id = secrets.token_hex(8)
        with self._lock:
            self._documents[document_id] = pdf
            while len(self._documents) > KEPT_DOCUMENTS:
                self._documents.popitem(last=False)
        return document_id

    def take(self, document_id: str) -> bytes | None:
        with self._lock:
            return self._documents.pop(document_id, None)  # BSrE allows one download

    # --- users and statuses

    def status_of(self, nik: str) -> str:
        if self.mode == "not_registered":
            return "NOT_REGISTERED"
        if self.mode == "expired":
            return "EXPIRED"
        user = self.config.users.get(nik)
        return user.status if user else "NOT_REGISTERED"

    def signing_user(self, *, nik: str, email: str, passphrase: str) -> User:
        user = self.config.users.get(nik) if nik else None
        if user is None and email:
            user = next((u for u in self.config.users.values() if u.email == email), None)
        if self.mode == "not_registered" or user is None:
            raise ApiError(400, "User tidak terdaftar", 2011)
        status = self.status_of(user.nik)
        if status != "ISSUE":
            raise ApiError(400, f"Sertifikat pengguna tidak aktif (status {status})", 2021)
        if self.mode == "wrong_passphrase" or not secrets.compare_digest(
            passphrase.encode(), user.passphrase.encode()
        ):
            raise ApiError(400, "Passphrase anda salah", 2031)
        return user

    def sign(
        self, pdf: bytes, user: User, *, reason, location, appearance, generation: int
    ) -> bytes:
        """Sign one PDF according to the mode (the signing failures are checked earlier)."""
        mode = self.mode
        if mode == "reject_pdf":
            raise ApiError(400, "Proses signing gagal: dokumen PDF tidak valid")
        if mode == "unsigned":
            return pdf
        if mode == "foreign":
            pdf = foreign_pdf()
        elif mode == "rewrite":
            pdf = rewritten(pdf)
        if not pdf.startswith(b"%PDF-"):
            raise ApiError(400, "Proses signing gagal: berkas bukan PDF")
        signed = sign_pdf(
            pdf,
            user,
            reason=reason,
            location=location,
            appearance=appearance,
            fallback_box=self.config.fallback_box,
        )
        with self._lock:
            if generation == self.generation:
                self.documents_signed += 1
        return signed


def _v2_appearance(properties: dict) -> Appearance | None:
    if str(properties.get("tampilan", "INVISIBLE")).upper() != "VISIBLE":
        return None
    link = properties.get("linkQR") or ""
    if not link:
        raise ApiError(400, "Tampilan VISIBLE memerlukan linkQR pada server tiruan")
    return Appearance(
        link=link,
        page=properties.get("page"),
        x=properties.get("originX"),
        y=properties.get("originY"),
        width=properties.get("width"),
        height=properties.get("height"),
        marker=properties.get("tag_koordinat") or "",
    )


def _v1_appearance(form: dict[str, str]) -> Appearance | None:
    if form.get("tampilan", "").lower() != "visible":
        return None
    if form.get("image", "false").lower() == "true":
        raise ApiError(400, "imageTTD tidak didukung oleh server tiruan; gunakan image=false")
    link = form.get("linkQR", "")
    if not link:
        raise ApiError(400, "linkQR wajib diisi bila image=false")
    return Appearance(
        link=link,
        page=form.get("page") or form.get("halaman"),
        x=form.get("xAxis"),
        y=form.get("yAxis"),
        width=form.get("width"),
        height=form.get("height"),
        marker=form.get("tag_koordinat", ""),
    )


def make_handler(service: FakeBSrE, *, verbose: bool = False):
    class Handler(BaseHTTPRequestHandler):
        server_version = "bsre-fake/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            if verbose:
                # The request line only: bodies (passphrases) are never logged.
                sys.stderr.write(f"bsre_fake: {format % args}\n")

        # --- plumbing

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ApiError(413, "Berkas terlalu besar")
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            # The client may have given up already (a timeout test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _json(self, status: int, data) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _error(self, error: ApiError, *, v2: bool) -> None:
            key = "message" if v2 else "error"  # v2's error body is unsure: the other key
            self._json(error.http_status, {key: error.message, "status_code": error.code})

        def _authorised(self) -> bool:
            config = service.config
            if not config.username:
                return True
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return secrets.compare_digest(user, config.username) and secrets.compare_digest(
                password, config.password
            )

        def _before_signing(self) -> bool:
            """Apply the failure modes that replace a signing answer; True if answered."""
            mode = service.mode
            if mode == "slow":
                time.sleep(service.delay)
            elif mode == "error500":
                self._send(
                    500,
                    b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                    "text/html",
                )
                return True
            elif mode == "garbage":
                self._send(200, b"\x00\x13garbage, neither PDF nor JSON \xff\xfe", "text/plain")
                return True
            return False

        def _route(self, method: str):  # noqa: PLR0911 - one return per kind of answer
            path = self.path.split("?", 1)[0]
            v2 = path.startswith("/api/v2/")
            self.generation = service.generation
            try:
                body = self._body() if method == "POST" else b""
                if path.startswith("/_fake/"):
                    return self._control(method, path, body)
                if path.startswith("/api/") and not self._authorised():
                    raise ApiError(401, "Unauthorized", 401)
                if method == "POST" and path in SIGN_PATHS:
                    service.count_call(self.generation)
                    if self._before_signing():
                        return None
                handler = {
                    ("POST", "/api/sign/pdf"): self.sign_v1,
                    ("POST", "/api/sign/verify"): self.verify_v1,
                    ("POST", "/api/v2/sign/pdf"): self.sign_v2,
                    ("POST", "/api/v2/user/check/status"): self.status_v2,
                    ("POST", "/api/v2/verify/pdf"): self.verify_v2,
                }.get((method, path))
                if handler is not None:
                    return handler(body)
                if method == "GET" and path.startswith("/api/user/status/"):
                    return self.status_v1(path.rsplit("/", 1)[-1])
                if method == "GET" and path.startswith("/api/sign/download/"):
                    return self.download(path.rsplit("/", 1)[-1])
                raise ApiError(404, "Not found", 404)
            except ApiError as error:
                return self._error(error, v2=v2)
            except Exception as error:  # noqa: BLE001 - a fake server answers, never dies
                return self._error(ApiError(500, f"Internal error: {type(error).__name__}"), v2=v2)

        def do_GET(self):
            self._route("GET")

        def do_POST(self):
            self._route("POST")

        # --- control

        def _control(self, method: str, path: str, body: bytes):
            if method == "GET" and path == "/_fake/ca.pem":
                return self._send(200, service.ca.pem, "application/x-pem-file")
            if path == "/_fake/mode":
                if method == "POST":
                    data = json.loads(body or b"{}")
                    service.set_mode(data.get("mode", "ok"), data.get("delay"))
                return self._json(200, {"mode": service.mode, "delay": service.delay})
            if method == "GET" and path == "/_fake/stats":
                return self._json(
                    200,
                    {
                        "sign_calls": service.sign_calls,
                        "documents_signed": service.documents_signed,
                    },
                )
            raise ApiError(404, "Not found", 404)

        # --- v1

        def status_v1(self, nik: str):
            status = service.status_of(nik)
            self._json(
                200,
                {
                    "status_code": STATUS_CODES.get(status, 1112),
                    "status": status,
                    "message": {
                        "ISSUE": "Sertifikat aktif",
                        "NOT_REGISTERED": "User tidak terdaftar",
                    }.get(status, f"Sertifikat tidak aktif ({status})"),
                },
            )

        def sign_v1(self, body: bytes):
            form = parse_multipart(body, self.headers.get("Content-Type", ""))
            text = {k: v.decode("utf-8", "replace") for k, v in form.items() if k != "file"}
            if "file" not in form:
                raise ApiError(400, "Berkas (file) wajib diisi")
            user = service.signing_user(
                nik=text.get("nik", ""), email="", passphrase=text.get("passphrase", "")
            )
            signed = service.sign(
                form["file"],
                user,
                reason=text.get("reason", ""),
                location=text.get("location", ""),
                appearance=_v1_appearance(text),
                generation=self.generation,
            )
            self._send(200, signed, "application/pdf", {"id_dokumen": service.keep(signed)})

        def download(self, document_id: str):
            pdf = service.take(document_id)
            if pdf is None:
                raise ApiError(404, "Dokumen tidak ditemukan atau sudah diunduh", 404)
            self._send(200, pdf, "application/pdf")

        def verify_v1(self, body: bytes):
            form = parse_multipart(body, self.headers.get("Content-Type", ""))
            pdf = form.get("signed_file", b"")
            details = verify_summary(pdf, service.ca) if pdf.startswith(b"%PDF-") else []
            valid = bool(details) and all(d["intact"] and d["trusted"] for d in details)
            self._json(
                200,
                {
                    "nama_dokumen": "signed_file.pdf",
                    "jumlah_signature": len(details),
                    "notes": "server tiruan BSrE" if details else "Dokumen tidak bertanda tangan",
                    "summary": "DOCUMENT VALID !!!" if valid else "DOCUMENT NOT VALID !!!",
                    "details": [
                        {
                            "info_signer": {
                                "signer_name": d["signer_name"],
                                "signer_dn": d["signer_dn"],
                                "issuer_dn": d["issuer_dn"],
                                "signer_cert_validity": "",
                                "cert_user_certified": d["trusted"],
                            },
                            "signature_document": {
                                "document_integrity": d["intact"],
                                "signed_using_tsa": False,
                                "reason": d["reason"],
                                "location": d["location"],
                                "signed_in": d["signed_at"],
                                "hash_value": "",
                                "signature_value": "",
                            },
                            "info_tsa": {"name": "", "tsa_cert_validity": ""},
                            "signature_field": d["field"],
                        }
                        for d in details
                    ],
                },
            )

        # --- v2

        def _v2_json(self, body: bytes) -> dict:
            try:
                data = json.loads(body)
            except ValueError:
                raise ApiError(400, "Permintaan bukan JSON") from None
            if not isinstance(data, dict):
                raise ApiError(400, "Permintaan bukan objek JSON")
            return data

        def status_v2(self, body: bytes):
            nik = str(self._v2_json(body).get("nik", ""))
            status = service.status_of(nik)
            self._json(
                200,
                {"status_code": STATUS_CODES.get(status, 1112), "status": status, "message": ""},
            )

        def sign_v2(self, body: bytes):
            data = self._v2_json(body)
            if data.get("totp"):
                raise ApiError(400, "TOTP tidak didukung oleh server tiruan")
            user = service.signing_user(
                nik=str(data.get("nik", "")),
                email=str(data.get("email", "")),
                passphrase=str(data.get("passphrase", "")),
            )
            files = data.get("file") or []
            properties = data.get("signatureProperties") or [{}]
            if not isinstance(files, list) or not files:
                raise ApiError(400, "Berkas (file) wajib diisi")
            if len(properties) not in {1, len(files)}:
                raise ApiError(400, "signatureProperties: satu untuk semua, atau satu per berkas")
            signed = []
            for index, encoded in enumerate(files):
                entry = properties[index if len(properties) > 1 else 0]
                try:
                    pdf = base64.b64decode(encoded, validate=True)
                except (binascii.Error, TypeError, ValueError):
                    raise ApiError(400, "Proses signing gagal: berkas bukan base64") from None
                signed.append(
                    service.sign(
                        pdf,
                        user,
                        reason=str(entry.get("reason", "")),
                        location=str(entry.get("location", "")),
                        appearance=_v2_appearance(entry),
                        generation=self.generation,
                    )
                )
            self._json(
                200,
                {
                    "time": int(time.time() * 1000),
                    "file": [base64.b64encode(pdf).decode() for pdf in signed],
                },
            )

        def verify_v2(self, body: bytes):
            data = self._v2_json(body)
            try:
                pdf = base64.b64decode(data.get("file", ""), validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise ApiError(400, "Berkas bukan base64") from None
            details = verify_summary(pdf, service.ca) if pdf.startswith(b"%PDF-") else []
            valid = bool(details) and all(d["intact"] and d["trusted"] for d in details)
            self._json(
                200,
                {
                    "conclusion": "VALID"
                    if valid
                    else ("NO_SIGNATURE" if not details else "INVALID"),
                    "description": "server tiruan BSrE",
                    "signatureCount": len(details),
                    "signatureInformations": [
                        {
                            "signerName": d["signer_name"],
                            "signatureDate": d["signed_at"],
                            "fieldName": d["field"],
                            "reason": d["reason"],
                            "location": d["location"],
                            "integrityValid": d["intact"],
                            "certificateTrusted": d["trusted"],
                        }
                        for d in details
                    ],
                },
            )

    return Handler


def serve(
    *, host: str, port: int, config: Config, ca_out: Path | None = None, verbose: bool = False
) -> None:
    service = FakeBSrE(config)
    if ca_out is not None:
        ca_out.parent.mkdir(parents=True, exist_ok=True)
        ca_out.write_bytes(service.ca.pem)
    server = ThreadingHTTPServer((host, port), make_handler(service, verbose=verbose))
    server.daemon_threads = True
    url = f"http://{host}:{server.server_address[1]}"
    fingerprint = hashlib.sha256(
        service.ca.certificate.public_bytes(serialization.Encoding.DER)
    ).hexdigest()
    print(f"Fake BSrE listening on {url}", flush=True)
    print(f"CA certificate: {ca_out or url + '/_fake/ca.pem'} (SHA-256 {fingerprint[:16]}…)")
    print(f"Users: {', '.join(f'{u.nik} ({u.status})' for u in config.users.values())}")
    print('Failure modes: POST /_fake/mode {"mode": ...}: ' + ", ".join(MODES), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
