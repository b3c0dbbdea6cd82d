"""The time-stamping unit (RFC 3161): trusted time on every signature and every archive
timestamp.

Embedded default: the local CA's own unit (its key and certificate with the timeStamping
extended key usage), used by our signer in process and reachable by any RFC 3161 client at
``POST /pki/tsa``. By configuration (``LDM_TSA_URL``): any external TSA, e.g. one the
kabupaten contracts or BSSN's, with optional HTTP Basic credentials.

Tokens are assembled from pre-encoded parts (the certificate, the signer identifier): the
ASN.1 library re-encodes an embedded certificate on every use, which made a token cost
several milliseconds per letter.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

import httpx
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps.api import TimeStamper

from layanan.documents.models import CertificatePurpose
from layanan.documents.pki.authority import ServiceIdentity, service_identity
from layanan.documents.pki.der import encoded, verbatim

# The unit's policy: an OID under the UUID arc (ITU-T X.667), needing no registration.
POLICY = "2.25.246519214096447432939406389402935045221"
HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
TIMESTAMP_QUERY = "application/timestamp-query"
TIMESTAMP_REPLY = "application/timestamp-reply"

_SIGNED_DATA_OID = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()
_TST_INFO_OID = core.ObjectIdentifier("1.2.840.113549.1.9.16.1.4").dump()
_GRANTED = tsp.PKIStatusInfo({"status": "granted"}).dump()
_VERSION_1 = core.Integer(1).dump()
_POLICY = core.ObjectIdentifier(POLICY).dump()
_ACCURACY_ONE_SECOND = tsp.Accuracy({"seconds": 1}).dump()
_VERSION_3 = core.Integer(3).dump()
_SHA256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_SHA256_ECDSA = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}).dump()
_CONTENT_TYPE_TST_INFO = simple_cms_attribute("content_type", "tst_info").dump()


class TimestampUnavailable(RuntimeError):
    """The time-stamping authority did not answer with a token."""


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


@dataclass(frozen=True)
class _Unit:
    """A time-stamping unit's identity, with what every token repeats encoded once."""

    identity: ServiceIdentity
    certificate_der: bytes
    sid_der: bytes
    signing_certificate_der: bytes
    tsa_der: bytes

    @classmethod
    def of(cls, identity: ServiceIdentity) -> "_Unit":
        der = identity.certificate.public_bytes(serialization.Encoding.DER)
        certificate = asn1_x509.Certificate.load(der)
        sid = cms.IssuerAndSerialNumber(
            {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        )
        return cls(
            identity=identity,
            certificate_der=der,
            sid_der=sid.dump(),
            signing_certificate_der=encoded(
                simple_cms_attribute(
                    "signing_certificate_v2", as_signing_certificate_v2(certificate, "sha256")
                )
            ),
            # tsa [0] EXPLICIT GeneralName, the directoryName [4] choice (EXPLICIT: a Name is
            # itself a CHOICE).
            tsa_der=_tlv(0xA0, _tlv(0xA4, encoded(certificate.subject))),
        )


_units: dict[str, _Unit] = {}


def _unit() -> _Unit:
    identity = service_identity(CertificatePurpose.TSA)
    unit = _units.get(identity.issued.fingerprint)
    if unit is None:
        _units.clear()
        unit = _units[identity.issued.fingerprint] = _Unit.of(identity)
    return unit


def _rejection(failure: str, text: str) -> tsp.TimeStampResp:
    return tsp.TimeStampResp(
        {
            "status": tsp.PKIStatusInfo(
                {
                    "status": "rejection",
                    "status_string": [text],
                    "fail_info": tsp.PKIFailureInfo({failure}),
                }
            )
        }
    )


def _refusal(request: tsp.TimeStampReq) -> tsp.TimeStampResp | None:
    """Why a request cannot be served (RFC 3161 §2.4.2), or None."""
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in HASHES:
        return _rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
    if len(imprint["hashed_message"].native) != DIGEST_SIZES[algorithm]:
        return _rejection("bad_data_format", "the imprint does not fit its algorithm")
    policy = request["req_policy"].native
    if policy is not None and policy != POLICY:
        return _rejection("unaccepted_policy", "this unit only issues under its own policy")
    if request["extensions"].native:
        return _rejection("unaccepted_extension", "no request extensions are supported")
    return None


def timestamp_issue(request: tsp.TimeStampReq, unit: _Unit | None = None) -> bytes:
    """The DER TimeStampResp to a request: a token over its imprint, or a rejection."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal.dump()
    unit = unit or _unit()
    now = dt.datetime.now(dt.UTC)
    nonce = request["nonce"].dump() if request["nonce"].native is not None else b""
    # TSTInfo (RFC 3161 §2.4.2) in field order: version v1, policy, the request's imprint as
    # sent, serial number, time, accuracy of one second, ordering left at its default,
    # nonce, tsa.
    tst_info = _tlv(
        0x30,
        _VERSION_1
        + _POLICY
        + request["message_imprint"].dump()
        + core.Integer(secrets.randbits(63)).dump()
        + core.GeneralizedTime(now).dump()
        + _ACCURACY_ONE_SECOND
        + nonce
        + unit.tsa_der,
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(tst_info)
    attributes = [
        _CONTENT_TYPE_TST_INFO,
        simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})).dump(),
        unit.signing_certificate_der,
        simple_cms_attribute("message_digest", digest.finalize()).dump(),
    ]
    attributes.sort()  # DER: a SET OF in the order of its encodings
    signed_attributes = b"".join(attributes)
    signature = unit.identity.key.sign(_tlv(0x31, signed_attributes), ec.ECDSA(hashes.SHA256()))
    signer_info = _tlv(
        0x30,
        _VERSION_1
        + unit.sid_der
        + _SHA256
        + _tlv(0xA0, signed_attributes)
        + _SHA256_ECDSA
        + core.OctetString(signature).dump(),
    )
    certificates = _tlv(0xA0, unit.certificate_der) if request["cert_req"].native else b""
    signed_data = _tlv(
        0x30,
        _VERSION_3
        + _tlv(0x31, _SHA256)
        + _tlv(0x30, _TST_INFO_OID + _tlv(0xA0, core.OctetString(tst_info).dump()))
        + certificates
        + _tlv(0x31, signer_info),
    )
    token = _tlv(0x30, _SIGNED_DATA_OID + _tlv(0xA0, signed_data))
    return _tlv(0x30, _GRANTED + token)


def timestamp_respond(request_der: bytes) -> bytes:
    """``POST /pki/tsa``: the DER answer to a DER TimeStampReq from anyone."""
    try:
        request = tsp.TimeStampReq.load(request_der)
        request.native  # noqa: B018 - parses every part: a broken request fails here
    except (ValueError, TypeError):
        return _rejection("bad_data_format", "the request is not a TimeStampReq").dump()
    return timestamp_issue(request)


class _VerbatimTimeStamper(TimeStamper):
    """Tokens go into letters as the bytes their TSA signed (``pki.der``)."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        return verbatim(await super().async_timestamp(message_digest, md_algorithm))


class LocalTimeStamper(_VerbatimTimeStamper):
    """Our own unit, in process, for pyHanko."""

    def __init__(self) -> None:
        super().__init__(include_nonce=True)
        self.unit = _unit()

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.unit.certificate_der)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(timestamp_issue(req, self.unit))


class RemoteTimeStamper(_VerbatimTimeStamper):
    """An external TSA over HTTP (RFC 3161 §3.4), a thin client behind LDM_TSA_URL."""

    def __init__(self, url: str, *, username: str = "", password: str = "", timeout: float = 10):
        super().__init__(include_nonce=True)
        self.url = url
        self.auth = (username, password) if username else None
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, auth=self.auth) as client:
                answer = await client.post(
                    self.url, content=req.dump(), headers={"Content-Type": TIMESTAMP_QUERY}
                )
        except httpx.HTTPError as error:
            raise TimestampUnavailable(f"TSA unreachable: {type(error).__name__}") from error
        if answer.status_code != 200 or not answer.headers.get("content-type", "").startswith(
            TIMESTAMP_REPLY
        ):
            raise TimestampUnavailable(f"TSA answered HTTP {answer.status_code}")
        try:
            return tsp.TimeStampResp.load(answer.content)
        except ValueError as error:
            raise TimestampUnavailable("TSA answered something that is not a reply") from error


def timestamper() -> TimeStamper:
    """The TSA of this installation: the configured one, or our own unit."""
    if settings.LDM_TSA_URL:
        return RemoteTimeStamper(
            settings.LDM_TSA_URL,
            username=settings.LDM_TSA_USERNAME,
            password=settings.LDM_TSA_PASSWORD,
            timeout=settings.LDM_TSA_TIMEOUT,
        )
    return LocalTimeStamper()
