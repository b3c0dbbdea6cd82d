"""A stand-in for BSrE's Esign Client Service, for tests and demos. Never for production.

It answers the v1 and v2 endpoints of shared/docs/BSRE.md with real PAdES signatures made
by pyHanko, B-T as BSrE's are: each carries an RFC 3161 signature timestamp of the fake's own
time-stamping unit. Its PKI is made in memory when it starts, shaped like BSrE's: a root
(served at ``GET /_fake/ca.pem``, and written to a file with ``--ca-out``: the trust anchor
tests import), an issuing CA under it, and the certificates that CA issues, the users' and
the TSA's (timeStamping EKU). Every certificate names where its status is published, under
the server's own URL or ``--pki-url``:

| endpoint | what it serves |
| --- | --- |
| GET /_fake/crl | the issuing CA's CRL (the users' and the TSA's certificates it revoked) |
| POST /_fake/ocsp, GET /_fake/ocsp/{b64} | OCSP (RFC 6960) for what the issuing CA issued |
| GET /_fake/ca.crt | the issuing CA's certificate (DER), the users' and the TSA's issuer |
| GET /_fake/root.crl, /_fake/root.crt | the root's CRL (the issuing CA's status), certificate |
| POST /_fake/revoke ``{"nik", "reason"}`` | revokes the user's certificate (status REVOKE) |
| POST /_fake/reissue ``{"nik"}`` | a new certificate for the user, status ISSUE |

A revocation (reason ``key_compromise`` unless given) is on the CRL and OCSP at once and
answered ``{"serial", "revoked_at"}``; see ``FakeBSrE.revoke`` for its timing.
Users (NIK, name, passphrase, certificate status) and the application credentials come from
a TOML file, see ``users.example.toml``. ``POST /_fake/mode`` switches the failure a test
needs:

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
| revocation_down | signs as configured; the CRLs and OCSP answer 503 |

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
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import segno
from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
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
    "revocation_down",
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


# --- Test PKI and users -------------------------------------------------------------------

ROOT_DAYS = 25 * 365
CA_DAYS = 15 * 365
TSA_DAYS = 8 * 365
USER_DAYS = 2 * 365
# Certificates are valid from a little before their issue; CRLs and OCSP answers likewise.
CERTIFICATE_BACKDATE = dt.timedelta(hours=1)
REVINFO_BACKDATE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
# CRLs and OCSP answers that list a revocation are dated at least this long after it, in
# whole seconds as they carry time: validators allow a second of clock drift, and an answer
# dated within it would be taken to say the certificate was revoked while it was still good.
REVOCATION_PUBLISHED_AFTER = 2 * SECOND
# A revocation comes at least this long after the certificate's last signature (whole seconds).
REVOCATION_AFTER_SIGNATURE = 2 * SECOND
CRL_VALIDITY = dt.timedelta(days=1)
OCSP_VALIDITY = dt.timedelta(hours=1)
REVOCATION_REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


def _name(common_name: str, **extra) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")]
    if "organisation" in extra:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, extra["organisation"]))
    if "serial" in extra:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, extra["serial"]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(_der(certificate))


def _key_usage(*, ca: bool = False, non_repudiation: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _uri(url: str) -> x509.UniformResourceIdentifier:
    return x509.UniformResourceIdentifier(url)


def _distribution_point(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[_uri(url)], relative_name=None, reasons=None, crl_issuer=None
            )
        ]
    )


def _private_key_info(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _fresh(value: cms.ContentInfo) -> cms.ContentInfo:
    """A CMS structure parsed anew from its DER. asn1crypto re-encodes a structure it built
    (and everything around it) at every enclosing ``dump()``: a token nested in a
    signature's CMS, itself in a PDF, would be encoded over and over."""
    return cms.ContentInfo.load(value.dump())


class _FreshTimeStamper(DummyTimeStamper):
    """pyHanko's in-process RFC 3161 unit, with the fake's own TSA key and certificate."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        return _fresh(await super().async_timestamp(message_digest, md_algorithm))


class _FreshSigner(signers.SimpleSigner):
    async def async_sign(self, *args, **kwargs) -> cms.ContentInfo:
        return _fresh(await super().async_sign(*args, **kwargs))


@dataclass
class User:
    nik: str
    name: str
    passphrase: str = field(repr=False)
    status: str = "ISSUE"
    email: str = ""
    signer: signers.SimpleSigner | None = field(default=None, repr=False)
    certificate: x509.Certificate | None = field(default=None, repr=False)
    # When the user's certificate last signed (its revocation comes strictly after).
    last_signed: dt.datetime | None = None


class FakeCA:
    """A PKI made at start, shaped like BSrE's: a root (the trust anchor tests import), an
    issuing CA under it, and what that CA issues: the users' signing certificates and the
    time-stamping unit's. The issuing CA publishes a CRL and answers OCSP for what it
    issued; the root publishes a CRL for the issuing CA. Every certificate says where
    (``pki_url``: ``/_fake/crl``, ``/_fake/ocsp``, ``/_fake/ca.crt``, ``/_fake/root.crl``,
    ``/_fake/root.crt``)."""

    def __init__(self, pki_url: str):
        self.pki_url = pki_url.rstrip("/")
        self._lock = threading.Lock()
        self._issued: dict[int, x509.Certificate] = {}
        self._revoked: dict[int, tuple[dt.datetime, x509.ReasonFlags]] = {}
        self._crl_numbers: dict[str, int] = {}
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        root_name = _name("Fake Root CA Indonesia (NOT FOR PRODUCTION)", organisation="bsre_fake")
        self.root = (
            self._builder(root_name, root_name, self.root_key.public_key(), ROOT_DAYS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .sign(self.root_key, hashes.SHA384())
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = (
            self._builder(
                _name("Fake BSrE CA (NOT FOR PRODUCTION)", organisation="bsre_fake"),
                root_name,
                self.key.public_key(),
                CA_DAYS,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                critical=False,
            )
            .add_extension(_distribution_point(f"{self.pki_url}/_fake/root.crl"), critical=False)
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            _uri(f"{self.pki_url}/_fake/root.crt"),
                        )
                    ]
                ),
                critical=False,
            )
            .sign(self.root_key, hashes.SHA384())
        )
        self.tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.tsa_certificate = self.issue(
            _name("Fake BSrE TSA (NOT FOR PRODUCTION)", organisation="bsre_fake"),
            self.tsa_key.public_key(),
            days=TSA_DAYS,
            key_usage=_key_usage(),
            extended_key_usage=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
        )

    @staticmethod
    def _builder(subject, issuer, public_key, days: int) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CERTIFICATE_BACKDATE)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )

    def issue(
        self,
        subject: x509.Name,
        public_key,
        *,
        days: int,
        key_usage: x509.KeyUsage,
        extended_key_usage: x509.ExtendedKeyUsage | None = None,
    ) -> x509.Certificate:
        """An end-entity certificate of the issuing CA, with its CRL, OCSP and issuer URLs."""
        builder = (
            self._builder(subject, self.certificate.subject, public_key, days)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage, critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .add_extension(_distribution_point(f"{self.pki_url}/_fake/crl"), critical=False)
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP, _uri(f"{self.pki_url}/_fake/ocsp")
                        ),
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            _uri(f"{self.pki_url}/_fake/ca.crt"),
                        ),
                    ]
                ),
                critical=False,
            )
        )
        if extended_key_usage is not None:
            builder = builder.add_extension(extended_key_usage, critical=True)
        certificate = builder.sign(self.key, hashes.SHA256())
        with self._lock:
            self._issued[certificate.serial_number] = certificate
        return certificate

    @property
    def pem(self) -> bytes:
        """The root, PEM: the trust anchor of everything the fake signs."""
        return self.root.public_bytes(serialization.Encoding.PEM)

    def asn1(self) -> asn1_x509.Certificate:
        return _asn1(self.root)

    def signer_for(self, user: User) -> signers.SimpleSigner:
        """A new key and signing certificate for the user (replacing any earlier one)."""
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = self.issue(
            _name(user.name, organisation="Pemerintah Daerah", serial=user.nik),
            key.public_key(),
            days=USER_DAYS,
            key_usage=_key_usage(non_repudiation=True),
        )
        user.certificate = certificate
        return _FreshSigner(
            signing_cert=_asn1(certificate),
            signing_key=_private_key_info(key),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(self.certificate)]),
        )

    def timestamper(self) -> DummyTimeStamper:
        return _FreshTimeStamper(
            tsa_cert=_asn1(self.tsa_certificate),
            tsa_key=_private_key_info(self.tsa_key),
            certs_to_embed=SimpleCertificateStore.from_certs([_asn1(self.certificate)]),
        )

    # --- revocation

    def revoke(self, certificate: x509.Certificate, *, reason: str, at: dt.datetime) -> None:
        if reason not in REVOCATION_REASONS:
            raise ApiError(
                400, f"Unknown reason {reason!r}; one of {', '.join(REVOCATION_REASONS)}"
            )
        with self._lock:
            self._revoked.setdefault(certificate.serial_number, (at, REVOCATION_REASONS[reason]))

    def _crl_number(self, issuer: str) -> int:
        with self._lock:
            self._crl_numbers[issuer] = self._crl_numbers.get(issuer, 0) + 1
            return self._crl_numbers[issuer]

    def _crl(self, issuer: x509.Certificate, key, revoked) -> bytes:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        published = [at + REVOCATION_PUBLISHED_AFTER for _serial, (at, _reason) in revoked]
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(max([now - REVINFO_BACKDATE, *published]))
            .next_update(now + CRL_VALIDITY)
            .add_extension(
                x509.CRLNumber(self._crl_number(issuer.subject.rfc4514_string())), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                critical=False,
            )
        )
        for serial, (at, reason) in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(at)
                .add_extension(x509.CRLReason(reason), critical=False)
                .build()
            )
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def crl(self) -> bytes:
        """The issuing CA's CRL: the users' and the TSA's certificates it revoked."""
        with self._lock:
            revoked = list(self._revoked.items())
        return self._crl(self.certificate, self.key, revoked)

    def root_crl(self) -> bytes:
        """The root's CRL (it has revoked nothing): the status of the issuing CA."""
        return self._crl(self.root, self.root_key, [])

    def _issuer_hashes(self, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
        name_hash = hashes.Hash(algorithm)
        name_hash.update(self.certificate.subject.public_bytes())
        key_hash = hashes.Hash(algorithm)
        key_hash.update(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        return name_hash.finalize(), key_hash.finalize()

    def ocsp_respond(self, request_der: bytes) -> bytes:
        """The OCSP answer (RFC 6960), signed by the issuing CA itself: good, revoked, or
        unknown for a serial it never issued; "unauthorized" for another CA's certificate."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return _ocsp_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        algorithm = request.hash_algorithm
        name_hash, key_hash = self._issuer_hashes(algorithm)
        if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
            return _ocsp_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        with self._lock:
            certificate = self._issued.get(request.serial_number)
            revoked = self._revoked.get(request.serial_number)
        this_update = now - REVINFO_BACKDATE
        if revoked:
            this_update = max(this_update, revoked[0] + REVOCATION_PUBLISHED_AFTER)
        times = {"this_update": this_update, "next_update": now + OCSP_VALIDITY}
        builder = ocsp.OCSPResponseBuilder()
        if certificate is None:
            builder = builder.add_response_by_hash(
                issuer_name_hash=name_hash,
                issuer_key_hash=key_hash,
                serial_number=request.serial_number,
                algorithm=algorithm,
                cert_status=ocsp.OCSPCertStatus.UNKNOWN,
                revocation_time=None,
                revocation_reason=None,
                **times,
            )
        else:
            builder = builder.add_response(
                cert=certificate,
                issuer=self.certificate,
                algorithm=algorithm,
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
                revocation_time=revoked[0] if revoked else None,
                revocation_reason=revoked[1] if revoked else None,
                **times,
            )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.certificate)
        with contextlib.suppress(x509.ExtensionNotFound):
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _ocsp_unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
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
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The PDF with the user's PAdES signature, B-T with the timestamper's token."""
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
        pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper)
        params = None
    else:
        index, box = _box(pdf, appearance, fallback_box)
        pdf_signer = signers.PdfSigner(
            metadata,
            signer=signer,
            timestamper=timestamper,
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
        token = _signature_timestamp_token(signature.signer_info)
        tsa = _timestamp_unit(token) if token is not None else None
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
                "tsa_name": tsa.subject.native.get("common_name", "") if tsa else "",
                "tsa_validity": (
                    f"{tsa.not_valid_before:%Y-%m-%d} s.d. {tsa.not_valid_after:%Y-%m-%d}"
                    if tsa
                    else ""
                ),
            }
        )
    return results


def _signature_timestamp_token(signer_info: cms.SignerInfo) -> cms.ContentInfo | None:
    for attribute in signer_info["unsigned_attrs"] or []:
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]
    return None


def _timestamp_unit(token: cms.ContentInfo) -> asn1_x509.Certificate | None:
    """The certificate of the unit that made the token (the one for time-stamping)."""
    for choice in token["content"]["certificates"] or []:
        certificate = choice.chosen
        usage = certificate.extended_key_usage_value
        if usage is not None and "time_stamping" in usage.native:
            return certificate
    return None


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

    def __init__(self, config: Config, *, pki_url: str):
        self.config = config
        self.ca = FakeCA(pki_url)
        self.timestamper = self.ca.timestamper()
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
            timestamper=self.timestamper,
        )
        with self._lock:
            user.last_signed = dt.datetime.now(dt.UTC)
            if generation == self.generation:
                self.documents_signed += 1
        return signed

    # --- the users' certificates

    def _user(self, nik: str) -> tuple[User, x509.Certificate]:
        user = self.config.users.get(nik)
        if user is None or user.certificate is None:
            raise ApiError(404, "User tidak terdaftar", 2011)
        return user, user.certificate

    def revoke(self, nik: str, reason: str = "key_compromise") -> dict:
        """Revoke the user's certificate (status REVOKE: it signs no more), on the CRL and
        OCSP at once. The revocation time is a whole second (as CRLs and OCSP carry it)
        more than a second after the certificate's last signature, and the answer comes
        once CRLs and OCSP can say so (REVOCATION_PUBLISHED_AFTER): the fake waits for both,
        four seconds at most."""
        user, certificate = self._user(nik)
        with self._lock:
            last = user.last_signed
        at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        if last is not None:
            # More than a validator's time tolerance after it (pyHanko's default: 1 s), in
            # whole seconds: a revocation 20 ms after a signature made at x.98 s was judged
            # as possibly before it, and the letter failed its validation.
            at = max(at, last.replace(microsecond=0) + REVOCATION_AFTER_SIGNATURE)
        _sleep_until(at)
        self.ca.revoke(certificate, reason=reason, at=at)
        user.status = "REVOKE"
        _sleep_until(at + REVOCATION_PUBLISHED_AFTER)
        return {"serial": f"{certificate.serial_number:x}", "revoked_at": at.isoformat()}

    def reissue(self, nik: str) -> dict:
        """A new certificate for the user (status ISSUE), as BSrE issues after a revocation."""
        user, _old = self._user(nik)
        user.signer = self.ca.signer_for(user)
        user.status = "ISSUE"
        user.last_signed = None
        return {"serial": f"{self._user(nik)[1].serial_number:x}"}


def _sleep_until(moment: dt.datetime) -> None:
    remaining = (moment - dt.datetime.now(dt.UTC)).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


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

        def _published(self, method: str, path: str, body: bytes) -> tuple[bytes, str] | None:
            """What the CA publishes at ``path`` (certificates, CRLs, OCSP answers), or None."""
            ca = service.ca
            if method == "GET" and path in {"/_fake/root.crt", "/_fake/ca.crt"}:
                certificate = ca.root if path == "/_fake/root.crt" else ca.certificate
                return _der(certificate), "application/pkix-cert"
            revocation = path in {"/_fake/crl", "/_fake/root.crl"} or path.startswith("/_fake/ocsp")
            if revocation and service.mode == "revocation_down":
                raise ApiError(503, "Layanan status sertifikat tidak tersedia", 503)
            if method == "GET" and path == "/_fake/crl":
                return ca.crl(), "application/pkix-crl"
            if method == "GET" and path == "/_fake/root.crl":
                return ca.root_crl(), "application/pkix-crl"
            if method == "POST" and path == "/_fake/ocsp":
                return ca.ocsp_respond(body), "application/ocsp-response"
            if method == "GET" and path.startswith("/_fake/ocsp/"):  # RFC 6960 A.1.1
                encoded = urllib.parse.unquote(path.removeprefix("/_fake/ocsp/"))
                try:
                    request = base64.b64decode(encoded, validate=True)
                except (binascii.Error, ValueError):
                    request = b""
                return ca.ocsp_respond(request), "application/ocsp-response"
            return None

        def _control(self, method: str, path: str, body: bytes):
            published = self._published(method, path, body)
            if published is not None:
                return self._send(200, *published)
            if method == "GET" and path == "/_fake/ca.pem":
                return self._send(200, service.ca.pem, "application/x-pem-file")
            if method == "POST" and path in {"/_fake/revoke", "/_fake/reissue"}:
                data = json.loads(body or b"{}")
                nik = str(data.get("nik", ""))
                if path == "/_fake/revoke":
                    return self._json(
                        200, service.revoke(nik, str(data.get("reason", "key_compromise")))
                    )
                return self._json(200, service.reissue(nik))
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
                                "signed_using_tsa": bool(d["tsa_name"]),
                                "reason": d["reason"],
                                "location": d["location"],
                                "signed_in": d["signed_at"],
                                "hash_value": "",
                                "signature_value": "",
                            },
                            "info_tsa": {
                                "name": d["tsa_name"],
                                "tsa_cert_validity": d["tsa_validity"],
                            },
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
    *,
    host: str,
    port: int,
    config: Config,
    ca_out: Path | None = None,
    pki_url: str | None = None,
    verbose: bool = False,
) -> None:
    # Bound first: the certificates made next carry the server's own address (or pki_url).
    server = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
    server.daemon_threads = True
    url = f"http://{host}:{server.server_address[1]}"
    service = FakeBSrE(config, pki_url=pki_url or url)
    server.RequestHandlerClass = make_handler(service, verbose=verbose)
    if ca_out is not None:
        ca_out.parent.mkdir(parents=True, exist_ok=True)
        ca_out.write_bytes(service.ca.pem)
    fingerprint = hashlib.sha256(_der(service.ca.root)).hexdigest()
    print(f"Fake BSrE listening on {url}", flush=True)
    print(f"Root CA certificate: {ca_out or url + '/_fake/ca.pem'} (SHA-256 {fingerprint[:16]}…)")
    print(f"CRL, OCSP and CA certificates under {service.ca.pki_url}/_fake/")
    print(f"Users: {', '.join(f'{u.nik} ({u.status})' for u in config.users.values())}")
    print('Failure modes: POST /_fake/mode {"mode": ...}: ' + ", ".join(MODES), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
