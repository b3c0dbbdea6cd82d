"""Kesiapan Desa: the checklist of a new village, on the Admin Kabupaten's dashboard, on the
village staff's own dashboard, in the staff list, and what a draft prints without an
address (issue 18, finding 5)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from layanan.accounts.models import Role, User
from layanan.accounts.tests.factories import StaffFactory
from layanan.backoffice.readiness import (
    CertificateState,
    CertificateStatus,
    ReadinessItem,
    certificate_statuses,
    kabupaten_readiness,
    village_readiness,
)
from layanan.documents.models import IssuedCertificate, RevocationReason, SigningCredential
from layanan.documents.rendering import letter_data, letter_pdf
from layanan.documents.services import signing_credential_issue, signing_credential_revoke
from layanan.letters.models import RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory
from layanan.regions.models import VillageOffice
from layanan.regions.tests.factories import village_from_data

pytestmark = pytest.mark.django_db

# The admin dashboard's queries, whatever the number of villages: the session and user,
# the villages with their letterhead, their staff, the heads' credentials, the waiting
# requests per village and status, the oldest of each waiting status.
DASHBOARD_QUERIES = 9


def _letterhead(village, **values) -> VillageOffice:
    fields = {
        "address": "Jl. Dr. Wahidin No. 1",
        "postal_code": "51211",
        "phone": "(0285) 391234",
        "website": "kauman.desa.id",
        "logo": f"logo-desa/{village.code}.png",
    }
    fields.update(values)
    return VillageOffice.objects.create(village=village, **fields)


@pytest.fixture
def ready_kauman(kauman, operator, signing_head):
    """Kauman with everything set up: operator, head with a certificate, letterhead, website."""
    _letterhead(kauman)
    return kauman


def _in_indonesian(text: str) -> str:
    with translation.override("id"):
        return translation.gettext(text)


def _status_label(status: CertificateStatus) -> str:
    with translation.override("id"):
        return status.label


# --- The checklist ---------------------------------------------------------------------------


def test_a_fully_set_up_village_is_ready(ready_kauman, signing_head):
    readiness = village_readiness(ready_kauman)

    assert readiness.ready
    assert readiness.missing_items == ()
    assert [check.item for check in readiness.checks] == list(ReadinessItem)
    assert readiness.head == signing_head
    assert readiness.certificate is not None
    assert readiness.certificate.state == CertificateState.VALID
    assert readiness.certificate.valid_until is not None
    assert readiness.certificate.valid_until > timezone.now()


def _without_operator(village, head):
    User.objects.filter(village=village, role=Role.OPERATOR).update(is_active=False)


def _without_head(village, head):
    User.objects.filter(pk=head.pk).update(is_active=False)


def _without_certificate(village, head):
    SigningCredential.objects.filter(user=head).delete()


def _with_expired_certificate(village, head):
    IssuedCertificate.objects.filter(credential__user=head).update(
        not_after=timezone.now() - dt.timedelta(days=1)
    )


def _with_revoked_certificate(village, head):
    signing_credential_revoke(actor=None, holder=head, reason=RevocationReason.KEY_COMPROMISE)


def _emptied(field: str, value=""):
    def empty(village, head):
        VillageOffice.objects.filter(village=village).update(**{field: value})

    return empty


@pytest.mark.parametrize(
    ("breaking", "item", "certificate_state"),
    [
        (_without_operator, ReadinessItem.OPERATOR, CertificateState.VALID),
        (_without_head, ReadinessItem.HEAD, None),
        (_without_certificate, ReadinessItem.HEAD, CertificateState.NONE),
        (_with_expired_certificate, ReadinessItem.HEAD, CertificateState.EXPIRED),
        (_with_revoked_certificate, ReadinessItem.HEAD, CertificateState.REVOKED),
        (_emptied("address"), ReadinessItem.ADDRESS, CertificateState.VALID),
        (_emptied("phone", "  "), ReadinessItem.PHONE, CertificateState.VALID),
        (_emptied("logo"), ReadinessItem.LOGO, CertificateState.VALID),
        (_emptied("website"), ReadinessItem.WEBSITE, CertificateState.VALID),
    ],
    ids=[
        "operator",
        "head",
        "certificate-none",
        "certificate-expired",
        "certificate-revoked",
        "address",
        "phone",
        "logo",
        "website",
    ],
)
def test_a_village_missing_one_item_is_not_ready_and_lists_exactly_that_item(
    ready_kauman, signing_head, breaking, item, certificate_state
):
    breaking(ready_kauman, signing_head)

    readiness = village_readiness(ready_kauman)

    assert not readiness.ready
    assert readiness.missing_items == (item,)
    state = readiness.certificate.state if readiness.certificate else None
    assert state == certificate_state


def test_a_village_without_a_letterhead_row_misses_the_letterhead_and_the_website(
    kauman, operator, signing_head
):
    readiness = village_readiness(kauman)

    assert readiness.missing_items == (
        ReadinessItem.ADDRESS,
        ReadinessItem.PHONE,
        ReadinessItem.LOGO,
        ReadinessItem.WEBSITE,
    )


def test_with_bsre_the_head_needs_the_nik_the_certificate_is_bound_to(
    ready_kauman, signing_head, settings
):
    settings.LDM_SIGNER = "bsre"
    assert village_readiness(ready_kauman).missing_items == (ReadinessItem.HEAD,)

    User.objects.filter(pk=signing_head.pk).update(staff_nik="3325110101800001")

    readiness = village_readiness(ready_kauman)
    assert readiness.ready
    assert readiness.certificate == CertificateStatus(CertificateState.BSRE)


def test_a_new_certificate_after_a_revoked_one_counts(ready_kauman, signing_head):
    _with_revoked_certificate(ready_kauman, signing_head)
    signing_credential_issue(user=signing_head, passphrase="Passphrase-Baru-2027")

    (status,) = certificate_statuses([signing_head]).values()

    assert status.state == CertificateState.VALID


# --- The Admin Kabupaten's dashboard ------------------------------------------------------------


@pytest.fixture
def waiting_requests(ready_kauman, other_village, resident, catalogue):
    """Kauman: a draft for the head, submitted 2 days ago; Kalisalak (not ready): a request
    for the operator, submitted 10 days ago, and an issued letter (not waiting)."""
    now = timezone.now()
    LetterRequestFactory.create(
        applicant=resident, status=RequestStatus.KONSEP, submitted_at=now - dt.timedelta(days=2)
    )
    LetterRequestFactory.create(
        applicant=resident,
        village=other_village,
        status=RequestStatus.PROSES,
        submitted_at=now - dt.timedelta(days=10),
    )
    LetterRequestFactory.create(
        applicant=resident, village=other_village, status=RequestStatus.TERBIT
    )


def test_the_admin_dashboard_shows_the_kabupatens_readiness_and_waiting_requests(
    client, district_admin, waiting_requests, other_village, resident
):
    client.force_login(district_admin)

    response = client.get(reverse("backoffice:dashboard"))

    overview = response.context["overview"]
    assert (overview.ready, overview.total) == (1, 2)
    assert overview.waiting == {RequestStatus.PROSES: 1, RequestStatus.KONSEP: 1}
    assert [(o.status, o.days, o.request.village) for o in overview.oldest] == [
        (RequestStatus.PROSES, 10, str(other_village)),
        (RequestStatus.KONSEP, 2, "Kelurahan Kauman"),
    ]
    html = response.content.decode()
    assert "1 / 2" in html
    assert "10" in html.split('id="menunggu-terlama"')[1].split("</ul>")[0]
    table = html.split('id="desa-belum-siap"')[1].split("</table>")[0]
    assert str(other_village) in table
    assert "Kelurahan Kauman" not in table
    # Kalisalak misses everything; the admin is sent where each is fixed.
    assert f"{reverse('backoffice:staff-create')}?peran=operator&amp;desa={other_village.code}" in (
        table
    )
    assert reverse("backoffice:village-edit", args=[other_village.code]) in table
    assert f"{reverse('content:staff-websites')}?kecamatan={other_village.district_id}" in table
    # What the admin may not see of a request: the applicant.
    assert resident.full_name not in html
    assert resident.username not in html


def test_the_admin_is_sent_to_the_heads_account_when_the_certificate_is_missing(
    client, district_admin, kauman, operator, head
):
    _letterhead(kauman)
    client.force_login(district_admin)

    html = client.get(reverse("backoffice:dashboard")).content.decode()

    table = html.split('id="desa-belum-siap"')[1].split("</table>")[0]
    assert reverse("backoffice:staff-edit", args=[head.pk]) in table
    assert reverse("documents:certificate") not in table  # only the head sets a passphrase


def test_the_staff_create_form_starts_with_the_village_and_role_of_the_link(
    client, district_admin, kauman
):
    client.force_login(district_admin)

    response = client.get(
        reverse("backoffice:staff-create"), {"peran": "kepala", "desa": kauman.code}
    )

    form = response.context["form"]
    assert (form["role"].value(), form["village"].value()) == ("kepala", kauman.code)


def test_every_village_ready_says_so(client, district_admin, ready_kauman):
    client.force_login(district_admin)

    response = client.get(reverse("backoffice:dashboard"))

    assert response.context["overview"].not_ready == []
    assert 'id="desa-belum-siap"' not in response.content.decode()


def _staff_a_village(code: str, *, certificate: bool) -> None:
    village = village_from_data(code)
    StaffFactory.create(role=Role.OPERATOR, village=village)
    head = StaffFactory.create(role=Role.HEAD, village=village)
    if certificate:
        signing_credential_issue(user=head, passphrase="Tanda-Tangan-2026")
    _letterhead(village)


def test_the_admin_dashboard_costs_the_same_queries_for_one_village_as_for_all(
    client, district_admin, waiting_requests, local_ca, django_assert_max_num_queries
):
    client.force_login(district_admin)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        client.get(reverse("backoffice:dashboard"))


def test_the_admin_dashboard_queries_do_not_grow_with_the_villages(
    client, batang, district_admin, waiting_requests, local_ca, django_assert_max_num_queries
):
    for code, certificate in (("33.25.11.1013", True), ("33.25.11.1014", False)):
        _staff_a_village(code, certificate=certificate)
    client.force_login(district_admin)

    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("backoffice:dashboard"), {"page": "3"})

    overview = response.context["overview"]
    assert (overview.ready, overview.total) == (2, 248)
    assert len(response.context["not_ready_rows"]) == 25


def test_the_readiness_of_the_kabupaten_is_computed_in_a_fixed_number_of_queries(
    batang, ready_kauman, local_ca, django_assert_num_queries
):
    _staff_a_village("33.25.11.1013", certificate=True)
    with django_assert_num_queries(6):  # villages, staff, credentials, waiting, 2 oldest
        overview = kabupaten_readiness()

    assert (overview.ready, overview.total) == (2, 248)
    missing = dict(overview.missing_counts)
    assert missing[ReadinessItem.OPERATOR] == 246


# --- The village's own staff ------------------------------------------------------------------


def test_operator_and_head_see_their_own_villages_to_do_list_only(
    client, kauman, operator, head, other_operator, other_village
):
    _letterhead(other_village, phone="")
    for member, village, other in (
        (operator, kauman, other_village),
        (head, kauman, other_village),
    ):
        client.force_login(member)
        response = client.get(reverse("backoffice:dashboard"))

        assert response.context["readiness"].village == village
        assert "overview" not in response.context
        html = response.content.decode()
        section = html.split('id="kesiapan-desa"')[1].split("</section>")[0]
        assert str(village) in section
        assert str(other) not in html.split("<main")[-1]

    client.force_login(other_operator)
    readiness = client.get(reverse("backoffice:dashboard")).context["readiness"]
    assert readiness.village == other_village
    assert readiness.missing_items == (ReadinessItem.HEAD, ReadinessItem.PHONE)


def test_the_operator_fixes_the_letterhead_and_is_told_who_sets_the_rest(
    client, kauman, operator, head
):
    client.force_login(operator)

    response = client.get(reverse("backoffice:dashboard"))

    steps = {step.check.item: step for step in response.context["readiness_steps"]}
    assert steps[ReadinessItem.ADDRESS].url == reverse("backoffice:village-office")
    assert steps[ReadinessItem.WEBSITE].url == reverse("backoffice:village-office")
    assert steps[ReadinessItem.HEAD].url == ""  # the head sets his own passphrase
    assert steps[ReadinessItem.HEAD].who
    assert response.context["own_certificate_step"] is None


def test_a_head_without_a_certificate_is_sent_to_set_his_passphrase(client, kauman, operator, head):
    _letterhead(kauman)
    client.force_login(head)

    html = client.get(reverse("backoffice:dashboard")).content.decode()

    alert = html.split('id="sertifikat-saya"')[1].split("</div>\n  ")[0]
    assert f'href="{reverse("documents:certificate")}"' in html.split('id="sertifikat-saya"')[1]
    assert _in_indonesian("You cannot sign letters yet") in alert
    # The letterhead is for the operator to fill: the head gets no link there.
    assert reverse("backoffice:village-office") not in html.split("<main")[-1]


def test_a_head_with_a_certificate_sees_no_reminder_and_a_ready_village_says_so(
    client, ready_kauman, signing_head
):
    client.force_login(signing_head)

    response = client.get(reverse("backoffice:dashboard"))

    assert response.context["own_certificate_step"] is None
    html = response.content.decode()
    assert 'id="sertifikat-saya"' not in html
    assert 'id="kesiapan-desa-siap"' in html


# --- The staff list ----------------------------------------------------------------------------


def test_the_staff_list_shows_each_heads_certificate_state(
    client, district_admin, kauman, signing_head, local_ca, django_assert_max_num_queries
):
    without = StaffFactory.create(role=Role.HEAD, village=village_from_data("33.25.11.1013"))
    expired = StaffFactory.create(role=Role.HEAD, village=village_from_data("33.25.11.1014"))
    revoked = StaffFactory.create(role=Role.HEAD, village=village_from_data("33.25.11.1016"))
    for holder in (expired, revoked):
        signing_credential_issue(user=holder, passphrase="Tanda-Tangan-2026")
    _with_expired_certificate(None, expired)
    _with_revoked_certificate(None, revoked)
    client.force_login(district_admin)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("backoffice:staff-list"))

    states = {pk: status.state for pk, status in response.context["certificates"].items()}
    assert states == {
        signing_head.pk: CertificateState.VALID,
        without.pk: CertificateState.NONE,
        expired.pk: CertificateState.EXPIRED,
        revoked.pk: CertificateState.REVOKED,
    }
    html = response.content.decode()
    valid_until = IssuedCertificate.objects.get(credential__user=signing_head).not_after
    for status in (
        CertificateStatus(CertificateState.VALID, valid_until=valid_until),
        CertificateStatus(CertificateState.NONE),
        CertificateStatus(CertificateState.EXPIRED),
        CertificateStatus(CertificateState.REVOKED),
    ):
        assert _status_label(status) in html


# --- The letter's address line -------------------------------------------------------------------


def _pdf_lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_a_draft_without_an_address_prints_no_address_line(draft):
    assert letter_data(draft, None)["letterhead"]["address_line"] == ""

    lines = _pdf_lines(letter_pdf(draft, head_name="Hendra Wijaya"))

    village_line = lines.index("KELURAHAN KAUMAN")
    assert lines[village_line + 1] != "Kelurahan Kauman"
    assert "SURAT KETERANGAN DOMISILI" in lines[village_line + 1 : village_line + 3]


def test_a_draft_prints_the_address_and_postal_code_of_the_letterhead(draft, kauman):
    office = _letterhead(kauman, logo="", website="", phone="")

    assert letter_data(draft, None, office=office)["letterhead"]["address_line"] == (
        "Jl. Dr. Wahidin No. 1, Kode Pos 51211"
    )
    office.address = ""
    assert letter_data(draft, None, office=office)["letterhead"]["address_line"] == (
        "Kode Pos 51211"
    )

    lines = _pdf_lines(letter_pdf(draft))
    assert lines[lines.index("KELURAHAN KAUMAN") + 1] == "Jl. Dr. Wahidin No. 1, Kode Pos 51211"
