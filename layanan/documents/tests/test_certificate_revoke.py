"""Revoking a signing certificate from the pages: the holder on their certificate page, the
district admin on the staff page, with a reason; on the CRL at once, audited; nobody else."""

import pytest
from cryptography import x509
from django.urls import reverse

from layanan.audit.models import AuditAction, AuditEntry
from layanan.documents.models import RevocationReason, SigningCredential

pytestmark = pytest.mark.django_db


def _credential(head) -> SigningCredential:
    credential = SigningCredential.objects.select_related("issued").get(user=head)
    assert credential.issued is not None
    return credential


def _crl_reason(client, credential: SigningCredential) -> x509.ReasonFlags | None:
    """The reason the published CRL gives for the credential's certificate; None if absent."""
    crl = x509.load_der_x509_crl(client.get(reverse("documents:pki-crl")).content)
    assert credential.issued is not None
    entry = crl.get_revoked_certificate_by_serial_number(int(credential.issued.serial_number, 16))
    if entry is None:
        return None
    return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason


def test_the_head_revokes_their_own_certificate(client, signing_head):
    client.force_login(signing_head)
    page = client.get(reverse("documents:certificate"))
    assert "Cabut sertifikat" in page.content.decode()

    response = client.post(
        reverse("documents:certificate-revoke"),
        {"reason": RevocationReason.KEY_COMPROMISE, "confirm": "on"},
        follow=True,
    )

    credential = _credential(signing_head)
    assert credential.revoked_at is not None
    assert credential.issued is not None
    assert credential.issued.revocation_reason == RevocationReason.KEY_COMPROMISE
    assert _crl_reason(client, credential) == x509.ReasonFlags.key_compromise
    entry = AuditEntry.objects.get(action=AuditAction.SIGNING_CREDENTIAL_REVOKED)
    assert entry.actor == signing_head
    body = response.content.decode()
    assert "Dicabut" in body
    assert "Kunci mungkin diketahui pihak lain" in body


def test_revoking_needs_the_confirmation_and_a_reason_it_offers(client, signing_head):
    client.force_login(signing_head)
    url = reverse("documents:certificate-revoke")

    unconfirmed = client.post(url, {"reason": RevocationReason.KEY_COMPROMISE})
    not_offered = client.post(url, {"reason": RevocationReason.SUPERSEDED, "confirm": "on"})

    assert unconfirmed.status_code == not_offered.status_code == 200
    assert _credential(signing_head).revoked_at is None
    assert not AuditEntry.objects.filter(action=AuditAction.SIGNING_CREDENTIAL_REVOKED).exists()


def test_the_district_admin_revokes_a_heads_certificate(client, signing_head, district_admin):
    client.force_login(district_admin)
    page = client.get(reverse("backoffice:staff-edit", kwargs={"pk": signing_head.pk}))
    assert "Sertifikat tanda tangan" in page.content.decode()

    response = client.post(
        reverse("backoffice:staff-certificate-revoke", kwargs={"pk": signing_head.pk}),
        {"reason": RevocationReason.AFFILIATION_CHANGED, "confirm": "on"},
    )

    assert response["Location"] == reverse("backoffice:staff-edit", kwargs={"pk": signing_head.pk})
    credential = _credential(signing_head)
    assert credential.issued is not None
    assert credential.issued.revocation_reason == RevocationReason.AFFILIATION_CHANGED
    assert _crl_reason(client, credential) == x509.ReasonFlags.affiliation_changed
    entry = AuditEntry.objects.get(action=AuditAction.SIGNING_CREDENTIAL_REVOKED)
    assert entry.actor == district_admin
    assert entry.data["reason"] == RevocationReason.AFFILIATION_CHANGED


@pytest.mark.parametrize("who", ["operator", "resident", "other_operator"])
def test_nobody_else_revokes_a_heads_certificate(client, signing_head, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.post(
        reverse("backoffice:staff-certificate-revoke", kwargs={"pk": signing_head.pk}),
        {"reason": RevocationReason.KEY_COMPROMISE, "confirm": "on"},
    )

    assert response.status_code == 403
    assert _credential(signing_head).revoked_at is None
