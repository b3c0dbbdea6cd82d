"""What goes into a letter is encoded once and as it came (``pki.der``).

Both defects below are asn1crypto's; the tests count its re-encodings (a spy on the
library, not on our code) rather than timing anything.
"""

import datetime as dt

import pytest
from asn1crypto import cms, core, x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

from layanan.documents.pki.der import encoded, verbatim


@pytest.fixture
def reencodings(monkeypatch):
    """How many times asn1crypto re-encodes a structure, forced or not."""
    counts = {"all": 0, "forced": 0}
    for cls in (core.Sequence, core.SequenceOf, core.SetOf):
        original = cls._set_contents

        def counting(self, force=False, _original=original):
            counts["all"] += 1
            counts["forced"] += bool(force)
            return _original(self, force)

        monkeypatch.setattr(cls, "_set_contents", counting)
    return counts


def _data_of_length_ending_0x80() -> bytes:
    """A ContentInfo 0x0180 bytes long: a definite length that asn1crypto mistakes for an
    indefinite one."""
    info = cms.ContentInfo({"content_type": "data", "content": core.OctetString(b"a" * 365)})
    der = info.dump()
    assert der.startswith(bytes.fromhex("30820180"))
    return der


def _certificate() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = pyca_x509.Name.from_rfc4514_string("CN=Uji")
    now = dt.datetime.now(dt.UTC)
    certificate = (
        pyca_x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signed_data_as_pyhanko_builds_it(
    certificate: x509.Certificate, signature_size: int = 70
) -> cms.ContentInfo:
    """A CMS built from values, with an ESSCertIDv2 (default hash algorithm) eight levels
    down, as pyHanko builds the head's signature."""
    attributes = cms.CMSAttributes(
        [
            simple_cms_attribute("content_type", "data"),
            simple_cms_attribute("message_digest", b"\x00" * 32),
            simple_cms_attribute(
                "signing_certificate_v2", as_signing_certificate_v2(certificate, "sha256")
            ),
        ]
    )
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": certificate.issuer,
                        "serial_number": certificate.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": b"\x01" * signature_size,
        }
    )
    return cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": {
                "version": "v1",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {"content_type": "data"},
                "certificates": [cms.CertificateChoices(name="certificate", value=certificate)],
                "signer_infos": [signer],
            },
        }
    )


def test_a_length_ending_in_0x80_is_not_taken_for_indefinite(reencodings):
    der = _data_of_length_ending_0x80()

    cms.ContentInfo.load(der).dump()
    assert reencodings["forced"] > 0  # the library's defect, reproduced

    reencodings["forced"] = 0
    frozen = verbatim(cms.ContentInfo.load(der))
    assert frozen.dump() == der
    assert frozen.dump(force=True) == der
    assert reencodings["forced"] == 0


def _built_and_encoded_once(certificate: x509.Certificate) -> tuple[cms.ContentInfo, bytes]:
    """A built CMS after pyHanko's first encoding, its SignedData 0x..80 bytes long."""
    for size in range(64, 64 + 256):
        value = _signed_data_as_pyhanko_builds_it(certificate, size)
        der = value.dump()
        if value["content"]._header[-1:] == b"\x80":
            return value, der
    raise AssertionError("no size gives a length ending in 0x80")


def test_a_built_structure_is_encoded_once_more_not_exponentially(reencodings):
    certificate = _certificate()
    plain_value, der = _built_and_encoded_once(certificate)
    ours_value, _ = _built_and_encoded_once(certificate)

    reencodings["all"] = 0
    assert plain_value.dump() == der
    plain = reencodings["all"]  # the library's defect: every level again, twice
    reencodings["all"] = 0
    assert encoded(ours_value) == der

    assert plain > 1000
    assert reencodings["all"] < 40


def test_verbatim_values_keep_their_type_and_content():
    certificate = _certificate()
    frozen = verbatim(certificate)
    assert isinstance(frozen, x509.Certificate)
    assert frozen.dump() == certificate.dump()
    assert frozen.subject == certificate.subject
