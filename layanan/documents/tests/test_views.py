import pytest
from django.urls import reverse

from layanan.documents.services import letter_sign
from layanan.letters.models import LetterRequest, RequestStatus

pytestmark = pytest.mark.django_db


def _number(request):
    return {"number": request.registration_number}


def test_operator_and_head_preview_the_draft(client, draft, operator, signing_head):
    for user in (operator, signing_head):
        client.force_login(user)
        response = client.get(reverse("documents:preview", kwargs=_number(draft)))
        assert response["Content-Type"] == "application/pdf"
        assert response.content[:5] == b"%PDF-"


def test_the_head_signs_from_the_request_page(client, draft, signing_head, head_passphrase):
    client.force_login(signing_head)
    page = client.get(reverse("letters:staff-detail", kwargs=_number(draft))).content.decode()
    assert reverse("documents:sign", kwargs=_number(draft)) in page

    wrong = client.post(
        reverse("documents:sign", kwargs=_number(draft)),
        {"passphrase": "salah-sekali"},
        follow=True,
    )
    assert "passphrase tanda tangan salah" in wrong.content.decode().lower()
    assert LetterRequest.objects.get(pk=draft.pk).status == RequestStatus.KONSEP

    client.post(reverse("documents:sign", kwargs=_number(draft)), {"passphrase": head_passphrase})
    assert LetterRequest.objects.get(pk=draft.pk).status == RequestStatus.TERBIT


def test_the_queue_signs_many_with_one_passphrase(
    client, resident, signing_head, head_passphrase, catalogue
):
    from layanan.letters.tests.factories import LetterRequestFactory

    drafts = [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(3)
    ]
    client.force_login(signing_head)
    page = client.get(reverse("documents:signing-queue")).content.decode()
    assert all(d.registration_number in page for d in drafts)

    response = client.post(
        reverse("documents:signing-queue"),
        {"letters": [drafts[0].pk, drafts[2].pk], "passphrase": head_passphrase},
        follow=True,
    )

    assert "2 surat ditandatangani" in response.content.decode()
    assert set(
        LetterRequest.objects.filter(status=RequestStatus.TERBIT).values_list("pk", flat=True)
    ) == {drafts[0].pk, drafts[2].pk}


def test_a_long_queue_is_paged_oldest_first(client, resident, signing_head, catalogue):
    from layanan.documents import views
    from layanan.letters.tests.factories import LetterRequestFactory

    drafts = [
        LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
        for _ in range(views.SIGNING_QUEUE_PAGE_SIZE + 3)
    ]
    client.force_login(signing_head)

    first = client.get(reverse("documents:signing-queue")).content.decode()
    second = client.get(reverse("documents:signing-queue"), {"page": 2}).content.decode()

    assert first.count('name="letters"') == views.SIGNING_QUEUE_PAGE_SIZE
    assert second.count('name="letters"') == 3
    assert drafts[0].registration_number in first
    assert drafts[-1].registration_number in second
    assert "page=2" in first


def test_the_head_sets_a_certificate_passphrase(client, head, local_ca):
    client.force_login(head)
    url = reverse("documents:certificate")

    mismatch = client.post(
        url, {"passphrase": "Passphrase-2026", "passphrase_again": "Lain-2026xx"}
    )
    assert mismatch.status_code == 200
    response = client.post(
        url, {"passphrase": "Passphrase-2026", "passphrase_again": "Passphrase-2026"}
    )

    assert response["Location"] == reverse("documents:signing-queue")
    assert head.signing_credentials.filter(revoked_at__isnull=True).exists()


def test_the_resident_downloads_the_signed_letter(
    client, draft, signing_head, head_passphrase, resident, other_resident
):
    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    url = reverse("documents:download", kwargs=_number(issued))
    client.force_login(resident)

    detail = client.get(reverse("letters:request-detail", kwargs=_number(issued))).content.decode()
    response = client.get(url)

    assert url in detail and "Cetak Dokumen" in detail
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="Surat-Keterangan-Domisili-{issued.registration_number}.pdf"'
    )
    assert b"".join(response.streaming_content) == issued.document.read()
    client.force_login(other_resident)
    assert client.get(url).status_code == 404


def test_a_draft_cannot_be_downloaded_by_its_owner(client, draft, resident):
    client.force_login(resident)

    assert client.get(reverse("documents:download", kwargs=_number(draft))).status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("documents:preview", [302, 403, 403, 200, 404, 200, 403]),
        ("documents:signing-queue", [302, 403, 403, 403, 403, 200, 403]),
        ("documents:certificate", [302, 403, 403, 403, 403, 200, 403]),
        ("documents:download", [302, 404, 404, 403, 403, 403, 403]),
        ("documents:staff-download", [302, 403, 403, 404, 404, 404, 403]),
    ],
)
def test_document_pages_permission_matrix(
    client, actors, log_in_as, signing_head, draft, name, expected
):
    """Per actor of the root conftest's ACTOR_NAMES; the head holds a signing certificate."""
    kwargs = {} if name in ("documents:signing-queue", "documents:certificate") else _number(draft)
    statuses = []
    for user in actors.values():
        log_in_as(user)
        statuses.append(client.get(reverse(name, kwargs=kwargs)).status_code)

    assert statuses == expected
