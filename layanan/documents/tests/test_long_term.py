"""Letters that stay valid for decades (PAdES B-LTA): validated by pyHanko's AdES-LTA
validation with no network, now and ten years on, after the head's certificate was revoked
and every certificate in the letter expired; and what a revoked credential may no longer do."""

import datetime as dt
import io

import pytest
import time_machine
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm

from layanan.core.models import Counter
from layanan.documents.archive import letters_archive_renew
from layanan.documents.models import CertificatePurpose, LetterArchive, RevocationReason
from layanan.documents.pki.authority import service_identity
from layanan.documents.pki.lifecycle import pki_maintain
from layanan.documents.services import letter_sign, signing_credential_revoke
from layanan.documents.signing.base import SignerNotReady
from layanan.documents.tests.helpers import pades_lta_validation
from layanan.letters.models import RequestStatus

pytestmark = pytest.mark.django_db

YEAR = dt.timedelta(days=365)


@pytest.fixture
def issued(draft, signing_head, head_passphrase):
    return letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


def _pdf(letter) -> bytes:
    letter.refresh_from_db()
    with letter.document.open("rb") as handle:
        return handle.read()


def test_a_letter_is_certified_timestamped_and_carries_its_evidence(issued):
    reader = PdfFileReader(io.BytesIO(_pdf(issued)))
    (signature,) = reader.embedded_regular_signatures
    assert signature.docmdp_level == MDPPerm.FILL_FORMS  # a certification signature
    unsigned = signature.signer_info["unsigned_attrs"].native or []
    assert any(a["type"] == "signature_time_stamp_token" for a in unsigned)  # B-T
    dss = reader.root["/DSS"].get_object()
    assert len(dss["/OCSPs"]) >= 2  # the head's certificate and the time-stamping unit's
    assert len(dss["/CRLs"]) >= 1
    assert [t.field_name for t in reader.embedded_timestamp_signatures] == ["StempelWaktuArsip1"]
    archive = LetterArchive.objects.get(request=issued)
    assert archive.issued_size == len(_pdf(issued))
    assert (
        archive.timestamp_valid_until == service_identity(CertificatePurpose.TSA).issued.not_after
    )


def test_pyhanko_validates_the_letter_offline_as_pades_lta(issued, local_ca):
    result = pades_lta_validation(_pdf(issued), [local_ca.certificate])

    assert result.ades_subindic.status.name == "PASSED", result.failure_msg
    assert result.api_status.bottom_line
    assert result.oldest_evidence_record_timestamp is not None  # the document timestamp


def _ten_years(issued, signing_head, *, revoke_after: dt.timedelta | None, maintain: bool):
    start = dt.datetime.now(dt.UTC)
    for year in range(1, 11):
        with time_machine.travel(start + year * YEAR, tick=False):
            if revoke_after is not None and year * YEAR >= revoke_after:
                signing_credential_revoke(
                    actor=None, holder=signing_head, reason=RevocationReason.KEY_COMPROMISE
                )
                revoke_after = None
            if maintain:
                pki_maintain()
                letters_archive_renew()
    return start + 10 * YEAR + dt.timedelta(days=30)


@pytest.mark.slow
def test_ten_years_on_after_revocation_the_letter_still_validates(issued, signing_head, local_ca):
    """The scheduler's daily work, a year at a time: the time-stamping unit is rotated before
    its end, the archive timestamps renewed before theirs; the head's certificate is revoked
    a year after signing (key compromise) and expires. Ten years on, offline: valid."""
    later = _ten_years(issued, signing_head, revoke_after=YEAR, maintain=True)
    archive = LetterArchive.objects.get(request=issued)
    assert archive.renewals == 2

    with time_machine.travel(later, tick=False):
        unit = service_identity(CertificatePurpose.TSA).certificate
        result = pades_lta_validation(
            _pdf(issued), [local_ca.certificate], at=later, time_stamping_units=[unit]
        )

    assert result.ades_subindic.status.name == "PASSED", result.failure_msg
    assert result.api_status.bottom_line


@pytest.mark.slow
def test_without_archive_renewals_the_evidence_runs_out(issued, signing_head, local_ca):
    later = _ten_years(issued, signing_head, revoke_after=None, maintain=False)

    with time_machine.travel(later, tick=False):
        result = pades_lta_validation(_pdf(issued), [local_ca.certificate], at=later)

    assert result.ades_subindic.status.name != "PASSED"


def test_a_revoked_credential_cannot_sign_and_consumes_no_number(
    draft, signing_head, head_passphrase
):
    signing_credential_revoke(
        actor=None, holder=signing_head, reason=RevocationReason.KEY_COMPROMISE
    )

    with pytest.raises(SignerNotReady, match=r"dicabut|revoked"):
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP
    assert not Counter.objects.filter(name__startswith="letter:").exclude(value=0).exists()


def test_an_expired_credential_cannot_sign(draft, signing_head, head_passphrase):
    with (
        time_machine.travel(dt.datetime.now(dt.UTC) + 3 * YEAR, tick=False),
        pytest.raises(SignerNotReady, match=r"kedaluwarsa|expired"),
    ):
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
