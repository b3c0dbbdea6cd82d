"""The PKI's keys in custody and its upkeep: keys encrypted at rest, the CA key not opened
to sign letters, the scheduled upkeep, and rotations that leave earlier letters valid."""

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from cryptography import x509
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader

from layanan.audit.models import AuditAction, AuditEntry
from layanan.core.models import Counter
from layanan.documents.models import CertificateAuthority, CertificatePurpose, ServiceKey
from layanan.documents.pki.authority import (
    authorities,
    authority_current,
    authority_of,
    service_identity,
)
from layanan.documents.pki.keys import keys_forget
from layanan.documents.services import letter_sign, signing_credential_issue
from layanan.documents.signing.base import SignerUnavailable
from layanan.documents.tasks import maintain_pki, renew_letter_archives
from layanan.documents.tests.helpers import pades_lta_validation
from layanan.letters.models import LetterType, RequestStatus
from layanan.letters.services import letter_request_accept, letter_request_submit

pytestmark = pytest.mark.django_db

YEAR = dt.timedelta(days=365)


def _another_draft(resident, operator):
    request = letter_request_submit(
        resident=resident,
        letter_type=LetterType.objects.get(code="SK-DOMISILI"),
        data={"keterangan_lainnya": "", "keperluan": "Melamar Pekerjaan"},
    )
    return letter_request_accept(request=request, operator=operator)


def _pdf(letter) -> bytes:
    letter.refresh_from_db()
    with letter.document.open("rb") as handle:
        return handle.read()


def _roots():
    return [authority.certificate for authority in authorities()]


def test_the_pki_keys_are_encrypted_at_rest(local_ca, settings):
    sealed = [local_ca.record.encrypted_key_pem] + [
        service.encrypted_key_pem for service in ServiceKey.objects.all()
    ]
    assert len(sealed) == 3  # the CA, the time-stamping unit, the OCSP responder
    for text in sealed:
        assert text.startswith("ldm-pki-key-v1:")
        assert "PRIVATE KEY" not in text
    assert not [path for path in Path(settings.VAR_DIR).rglob("*.pem") if "key" in path.name]


def test_a_wrong_pki_passphrase_opens_no_key_and_signing_says_so(
    draft, signing_head, head_passphrase, settings
):
    keys_forget()
    settings.LDM_PKI_PASSPHRASE = "not-the-pki-passphrase"

    with pytest.raises(SignerUnavailable, match=r"kunci|keys"):
        letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    draft.refresh_from_db()
    assert draft.status == RequestStatus.KONSEP
    assert not Counter.objects.filter(name__startswith="letter:").exclude(value=0).exists()


def test_the_ca_key_is_not_opened_to_sign_letters(draft, signing_head, head_passphrase, local_ca):
    # The CA's sealed key made unusable: signing needs only the head's key, the
    # time-stamping unit's and the OCSP responder's (the CRL is current).
    CertificateAuthority.objects.filter(pk=local_ca.record.pk).update(
        encrypted_key_pem="ldm-pki-key-v1:32768:AAAA:AAAA"
    )
    keys_forget()

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)

    assert issued.status == RequestStatus.TERBIT


def test_the_scheduled_upkeep_rotates_the_unit_once_and_is_idempotent(local_ca):
    first_unit = service_identity(CertificatePurpose.TSA).issued
    with time_machine.travel(dt.datetime.now(dt.UTC) + 4 * YEAR + dt.timedelta(days=60)):
        maintain_pki.delay()
        maintain_pki.delay()
        renew_letter_archives.delay()
        unit = service_identity(CertificatePurpose.TSA).issued

    assert unit.pk != first_unit.pk
    assert AuditEntry.objects.filter(action=AuditAction.PKI_TSA_ROTATED).count() == 1


def test_pki_maintain_command_reports_what_it_did(local_ca, capsys):
    call_command("pki_maintain")

    out = capsys.readouterr().out
    assert "CRLs and OCSP responders are current." in out
    assert "0 letters renewed, 0 failed" in out


def test_rotating_the_unit_and_the_ca_leaves_earlier_letters_valid(
    draft, signing_head, head_passphrase, resident, operator, capsys
):
    before = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    first_generation = authority_current().generation

    call_command("pki_rotate", "--tsa", "--why", "test")
    call_command("pki_rotate", "--ca")
    assert "New CA generation 2" in capsys.readouterr().out

    # The head signs on with the certificate of generation 1 ...
    during = letter_sign(
        request=_another_draft(resident, operator), head=signing_head, passphrase=head_passphrase
    )
    # ... until a new signing passphrase certifies a new key under generation 2.
    signing_credential_issue(user=signing_head, passphrase=head_passphrase)
    after = letter_sign(
        request=_another_draft(resident, operator), head=signing_head, passphrase=head_passphrase
    )

    assert authority_current().generation == first_generation + 1 == 2
    generations = []
    for letter in (before, during, after):
        pdf = _pdf(letter)
        signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
        issuer = authority_of(x509.load_der_x509_certificate(signature.signer_cert.dump()))
        assert issuer is not None
        generations.append(issuer.generation)
        result = pades_lta_validation(pdf, _roots())
        assert result.ades_subindic.status.name == "PASSED", result.failure_msg
    assert generations == [1, 1, 2]
    assert set(
        AuditEntry.objects.filter(
            action__in=[AuditAction.PKI_TSA_ROTATED, AuditAction.PKI_CA_ROTATED]
        ).values_list("action", flat=True)
    ) == {AuditAction.PKI_TSA_ROTATED, AuditAction.PKI_CA_ROTATED}


def test_pki_rotate_needs_a_pki(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="pki_init"):
        call_command("pki_rotate", "--tsa")


def test_pki_maintain_needs_a_pki(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="pki_init"):
        call_command("pki_maintain")
