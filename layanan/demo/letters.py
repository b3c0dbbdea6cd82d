"""The demo letter: one finished letter for the demo resident, so a newcomer sees at once
what residents receive (Terbit, PAdES B-LTA) and what its QR code opens."""

from django.conf import settings
from django.urls import reverse

from layanan.accounts.models import Role, User
from layanan.demo.accounts import DEMO_VILLAGE
from layanan.documents.services import letter_sign
from layanan.letters.models import LetterRequest, LetterType, RequestStatus
from layanan.letters.services import letter_request_accept, letter_request_submit

DEMO_LETTER_TYPE = "SK-DOMISILI"


def demo_letter_issue(*, head: User, passphrase: str) -> LetterRequest | None:
    """Apply (as the demo resident), accept (as the demo operator) and sign (as ``head``)
    one Surat Keterangan Domisili, unless the demo resident has an issued letter already
    or letters are not signed locally (BSrE needs its own demo setup)."""
    if settings.LDM_SIGNER != "local":
        return None
    resident = User.objects.filter(role=Role.RESIDENT, profile__village_id=DEMO_VILLAGE).first()
    operator = User.objects.filter(role=Role.OPERATOR, village_id=DEMO_VILLAGE).first()
    if resident is None or operator is None:
        return None
    if LetterRequest.objects.filter(applicant=resident, status=RequestStatus.TERBIT).exists():
        return None
    request = letter_request_submit(
        resident=resident,
        letter_type=LetterType.objects.get(code=DEMO_LETTER_TYPE),
        data={"keterangan_lainnya": "", "keperluan": "Mengurus Dokumen Perizinan Berusaha"},
    )
    accepted = letter_request_accept(request=request, operator=operator)
    return letter_sign(request=accepted, head=head, passphrase=passphrase)


def verification_url(letter: LetterRequest) -> str:
    return settings.LDM_PUBLIC_URL + reverse(
        "verification:letter", kwargs={"token": letter.verification_token}
    )
