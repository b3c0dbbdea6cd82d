import re

import pytest
from django.urls import reverse

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile
from layanan.accounts.tests.factories import ResidentProfileFactory, UserFactory
from layanan.letters.models import LetterRequest, LetterType, RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db

GUIDE_KEPERLUAN = "Mengurus Dokumen Perizinan Berusaha"


@pytest.fixture
def guide_resident(kauman):
    """AKHMAD KURNIAWAN of the guide, Kelurahan Kauman, with a complete profile."""
    user = UserFactory(username="3325110101000000", full_name="AKHMAD KURNIAWAN")
    ResidentProfileFactory(
        user=user,
        village=kauman,
        birth_date="2000-01-01",
        address="Jl. Dr Wahidin",
        rt="04",
        rw="3",
        occupation="88",
        religion="islam",
    )
    return user


def _submit(client, code="sk-domisili", **data):
    url = reverse("letters:request-create", kwargs={"code": code})
    payload = {"isian-keterangan_lainnya": "", "isian-keperluan": GUIDE_KEPERLUAN, "agree": "on"}
    payload.update(data)
    return client.post(url, payload)


def test_the_guide_scenario_submit_then_accept(client, guide_resident, operator, catalogue):
    client.force_login(guide_resident)
    form_page = client.get(reverse("letters:request-create", kwargs={"code": "sk-domisili"}))
    assert "AKHMAD KURNIAWAN" in form_page.content.decode()
    assert "01 Januari 2000" in form_page.content.decode()

    response = _submit(client)

    assert response["Location"] == reverse("letters:history")
    history = client.get(response["Location"]).content.decode()
    request = LetterRequest.objects.get()
    assert "Pengajuan layanan Surat Keterangan Domisili Anda berhasil diajukan" in history
    assert request.registration_number in history
    assert "KAUMAN" in history and "BATANG" in history
    assert ">Proses<" in history
    assert "Menampilkan 1 sampai 1 dari 1 data" in history

    ResidentProfile.objects.filter(user=guide_resident).update(status=ProfileStatus.VERIFIED)
    client.force_login(operator)
    detail_url = reverse("letters:staff-detail", kwargs={"number": request.registration_number})
    assert GUIDE_KEPERLUAN in client.get(detail_url).content.decode()
    accepted = client.post(
        reverse("letters:staff-accept", kwargs={"number": request.registration_number}),
        {"isian-keterangan_lainnya": "", "isian-keperluan": GUIDE_KEPERLUAN},
    )
    assert accepted.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.KONSEP

    client.force_login(guide_resident)
    detail = client.get(
        reverse("letters:request-detail", kwargs={"number": request.registration_number})
    ).content.decode()
    assert "Diajukan secara daring" in detail
    assert "Diterima dan dikonsep oleh operator" in detail
    assert len(re.findall(r"\d{2} \w+ \d{4}, \d{2}\.\d{2} WIB", detail)) == 2
    assert ">Konsep<" in detail


def test_the_form_tells_what_is_missing_from_the_profile(client, guide_resident, catalogue):
    ResidentProfile.objects.filter(user=guide_resident).update(kk_file="")
    client.force_login(guide_resident)

    page = client.get(reverse("letters:request-create", kwargs={"code": "sk-domisili"}))

    assert (
        "Masih belum lengkap" in page.content.decode() or "belum lengkap" in page.content.decode()
    )
    assert _submit(client).status_code == 200
    assert not LetterRequest.objects.exists()


def test_the_agreement_is_required(client, guide_resident, catalogue):
    client.force_login(guide_resident)

    response = _submit(client, agree="")

    assert response.status_code == 200
    assert not LetterRequest.objects.exists()


def test_a_datang_langsung_type_has_no_online_form(client, guide_resident, catalogue):
    client.force_login(guide_resident)

    assert (
        client.get(reverse("letters:request-create", kwargs={"code": "sp-kelahiran"})).status_code
        == 404
    )


def _family_rows_total(html: str) -> int:
    match = re.search(r'name="isian-anggota_keluarga-TOTAL_FORMS" value="(\d+)"', html)
    assert match is not None, "the page has no family members formset"
    return int(match.group(1))


def test_a_group_row_can_be_added_without_javascript(client, guide_resident, catalogue):
    client.force_login(guide_resident)
    url = reverse("letters:request-create", kwargs={"code": "sk-tidak-mampu"})
    page = client.get(url).content.decode()
    total = _family_rows_total(page)

    response = client.post(
        url,
        {
            "add_row": "anggota_keluarga",
            "isian-anggota_keluarga-TOTAL_FORMS": str(total),
            "isian-anggota_keluarga-INITIAL_FORMS": "0",
            "isian-anggota_keluarga-0-nama": "Sri",
            "isian-keperluan": "Beasiswa",
        },
    )

    html = response.content.decode()
    new_total = _family_rows_total(html)
    assert new_total > total
    assert 'value="Sri"' in html
    assert 'value="Beasiswa"' in html
    assert not LetterRequest.objects.exists()


def test_history_search_and_pages_of_ten(client, guide_resident, catalogue):
    for _ in range(12):
        LetterRequestFactory(applicant=guide_resident)
    LetterRequestFactory(
        applicant=guide_resident, letter_type=LetterType.objects.get(code="SK-USAHA")
    )
    client.force_login(guide_resident)

    first = client.get(reverse("letters:history")).content.decode()
    second = client.get(reverse("letters:history"), {"page": 2}).content.decode()
    searched = client.get(reverse("letters:history"), {"q": "usaha"}).content.decode()

    assert "Menampilkan 1 sampai 10 dari 13 data" in first
    assert "Menampilkan 11 sampai 13 dari 13 data" in second
    assert "Menampilkan 1 sampai 1 dari 1 data" in searched


def test_the_resident_cancels_from_the_detail_page(client, guide_resident, catalogue):
    request = LetterRequestFactory.create(applicant=guide_resident)
    client.force_login(guide_resident)
    url = reverse("letters:request-cancel", kwargs={"number": request.registration_number})

    assert client.get(url).status_code == 405
    client.post(url)

    request.refresh_from_db()
    assert request.status == RequestStatus.DIBATALKAN


def test_a_walk_in_request_at_the_counter_then_in_the_history(client, operator, kauman, catalogue):
    client.force_login(operator)
    kelahiran = LetterType.objects.get(code="SP-KELAHIRAN")
    start = client.post(
        reverse("letters:walk-in"), {"letter_type": kelahiran.pk, "nik": "3325114107880002"}
    )
    assert start["Location"] == reverse("letters:walk-in-details")
    assert "3325114107880002" not in start["Location"]

    response = client.post(
        reverse("letters:walk-in-details"),
        {
            "name": "Wulan Sari",
            "birth_place": "BATANG",
            "birth_date": "1988-07-01",
            "gender": "P",
            "religion": "islam",
            "marital_status": "kawin_tercatat",
            "occupation": "02",
            "citizenship": "WNA",
            "address": "Jl. Kauman RT 001 RW 002",
            "isian-nama_anak": "Bayu",
            "isian-jenis_kelamin_anak": "Laki-laki",
            "isian-tanggal_lahir_anak": "2026-11-20",
            "isian-waktu_lahir": "08.15",
            "isian-tempat_lahir_anak": "Batang",
            "isian-tempat_dilahirkan": "Puskesmas",
            "isian-anak_ke": "2",
            "isian-nama_ayah": "Joko",
            "isian-nama_ibu": "Wulan Sari",
            "isian-hubungan_pelapor": _first_choice(kelahiran, "hubungan_pelapor"),
            "isian-keperluan": "Pengurusan akta kelahiran",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    client.get(response["Location"])  # the operator reads the confirmation
    request = LetterRequest.objects.get()
    assert (
        request.status,
        request.applicant,
        request.applicant_occupation,
        request.applicant_citizenship,
    ) == ("konsep", None, "Mengurus Rumah Tangga", "WNA")
    # She registers later; once the operator verified her profile, she sees the request.
    wulan = UserFactory(username="3325114107880002")
    profile = ResidentProfileFactory.create(
        user=wulan, village=kauman, birth_date="1988-07-01", gender="P"
    )
    client.force_login(wulan)
    assert (
        request.registration_number not in client.get(reverse("letters:history")).content.decode()
    )
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    assert request.registration_number in client.get(reverse("letters:history")).content.decode()


def _first_choice(letter_type, name):
    return next(f for f in letter_type.fields if f["name"] == name)["choices"][0]


def test_the_inbox_counts_filters_and_badge(client, operator, resident, catalogue):
    for _ in range(3):
        LetterRequestFactory(applicant=resident)
    LetterRequestFactory(applicant=resident, status=RequestStatus.KONSEP)
    client.force_login(operator)

    html = client.get(reverse("letters:inbox")).content.decode()

    assert html.count(resident.full_name) == 3
    assert 'rounded-pill text-bg-danger">3' in html  # the new-requests badge
    konsep = client.get(reverse("letters:inbox"), {"status": "konsep"}).content.decode()
    assert konsep.count(resident.full_name) == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_request_pages_make_a_bounded_number_of_queries(
    client, resident, operator, head, catalogue, django_assert_max_num_queries, rows
):
    """Session, user (with village and profile), counts, rows: never one query per row."""
    for _ in range(rows):
        LetterRequestFactory(applicant=resident)
        LetterRequestFactory(applicant=resident, status=RequestStatus.KONSEP)
    client.force_login(resident)
    with django_assert_max_num_queries(5):
        client.get(reverse("letters:history"))
    client.force_login(operator)
    with django_assert_max_num_queries(5):  # + the letter types of the filter
        client.get(reverse("letters:inbox"))
    with django_assert_max_num_queries(6):  # + the count of the search's results
        client.get(reverse("letters:inbox"), {"status": "semua", "q": resident.full_name[:4]})
    client.force_login(head)
    with django_assert_max_num_queries(6):  # + the certificate
        client.get(reverse("documents:signing-queue"))
