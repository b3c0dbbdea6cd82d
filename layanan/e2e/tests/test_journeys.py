"""The user guide, followed by a real browser on every CI run."""

import re

import pytest
from django.core import mail

from layanan.accounts.tests.factories import PASSWORD
from layanan.documents.tests.helpers import qr_codes
from layanan.e2e.tests import steps
from layanan.e2e.tests.conftest import PHONE
from layanan.letters.models import LetterRequest, RequestStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

GUIDE = {
    "nik": "3325110101000000",
    "name": "AKHMAD KURNIAWAN",
    "birth_place": "BATANG",
    "birth_date": "2000-01-01",
    "email": "akhmad@example.com",
    "password": "Kurniawan-2022",
}
KEPERLUAN = "Mengurus Dokumen Perizinan Berusaha"
PASSPHRASE = "Passphrase-Lurah-2026"


@pytest.fixture
def office(settings, live_server, batang, catalogue, local_ca, operator, head):
    """Kauman's office: an operator and a Lurah, staff logins with a login code."""
    settings.LDM_STAFF_2FA = True
    steps.public_url_for(live_server)
    return {"operator": operator, "head": head}


def test_the_guide_from_registration_to_a_verified_letter(new_page, office, shots, tmp_path):
    resident = new_page()

    # Registrasi (guide section 4) and the confirmation email.
    steps.register(resident, **GUIDE)
    shots(resident, "registrasi-terkirim")
    assert "AKHMAD KURNIAWAN" in resident.content()
    assert GUIDE["password"] not in mail.outbox[-1].body
    steps.confirm_email(resident)

    # Masuk (section 5), Beranda (6), Profil (7).
    steps.login_resident(resident, nik=GUIDE["nik"], password=GUIDE["password"])
    shots(resident, "beranda")
    steps.complete_profile(resident, tmp_path)
    assert "Belum Terverifikasi" in resident.content()
    shots(resident, "profil-lengkap")

    # Layanan (section 8): Ajukan Permohonan Surat Keterangan Domisili.
    steps.submit_domisili(resident, KEPERLUAN)
    assert "berhasil diajukan" in resident.content()
    assert "Menampilkan 1 sampai 1 dari 1 data" in resident.content()
    shots(resident, "riwayat-proses")
    request = LetterRequest.objects.get()
    assert request.village.name == "Kauman"

    # The operator verifies the profile and accepts the request into Konsep.
    operator = new_page()
    steps.login_staff(operator, username="operator.kauman", password=PASSWORD, shots=shots)
    operator.get_by_role("link", name=re.compile("Verifikasi Profil")).click()
    operator.get_by_role("link", name="Buka").first.click()
    shots(operator, "verifikasi-profil")
    operator.get_by_role("button", name=re.compile("verifikasi")).click()
    assert "telah diverifikasi" in operator.content()
    operator.get_by_role("link", name=re.compile("Permohonan")).first.click()
    operator.get_by_role("link", name="Buka").first.click()
    operator.get_by_role("button", name=re.compile("Terima menjadi Konsep")).click()
    assert "berstatus Konsep" in operator.content()
    shots(operator, "permohonan-konsep")

    # The Lurah sets a signing passphrase, previews and signs.
    lurah = new_page()
    steps.login_staff(lurah, username="lurah.kauman", password=PASSWORD, shots=shots)
    lurah.goto("/petugas/tanda-tangan/sertifikat/")
    lurah.fill("#id_passphrase", PASSPHRASE)
    lurah.fill("#id_passphrase_again", PASSPHRASE)
    lurah.get_by_role("button", name="Buat sertifikat saya").click()
    lurah.wait_for_url("**/petugas/tanda-tangan/")
    shots(lurah, "antrean-tanda-tangan")
    preview = lurah.request.get(f"/petugas/permohonan/{request.registration_number}/pratinjau.pdf")
    assert preview.headers["content-type"] == "application/pdf"
    lurah.get_by_role("link", name="Buka").first.click()
    lurah.fill("#passphrase", PASSPHRASE)
    lurah.get_by_role("button", name="Tanda tangani dan terbitkan").click()
    assert "telah ditandatangani dan terbit" in lurah.content()
    shots(lurah, "surat-terbit")

    # Tracking (9) and Cetak Dokumen (10): the resident sees Terbit and downloads the PDF.
    resident.goto("/riwayat/")
    assert ">Terbit<" in resident.content()
    resident.get_by_role("link", name="Detail").click()
    shots(resident, "detail-terbit")
    with resident.expect_download() as download:
        resident.get_by_role("link", name="Cetak Dokumen").click()
    pdf = tmp_path / "surat.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"

    # Verifikasi Dokumen (11): the QR code printed on the letter opens its page: Terbit.
    (url,) = qr_codes(pdf, tmp_path)
    visitor = new_page(PHONE)
    visitor.goto(url)
    assert "Terbit: surat ini asli dan masih berlaku." in visitor.content()
    assert "3325**********00" in visitor.content()
    assert GUIDE["nik"] not in visitor.content()
    shots(visitor, "verifikasi-qr")


def test_a_walk_in_request_at_the_counter(new_page, office, shots):
    operator = new_page()
    steps.login_staff(operator, username="operator.kauman", password=PASSWORD)
    operator.get_by_role("link", name="Registrasi Datang Langsung").first.click()
    operator.select_option("#id_letter_type", label="Surat Pengantar SKCK")
    operator.fill("#id_nik", "3325114107880002")
    operator.get_by_role("button", name="Lanjutkan").click()
    operator.fill("#id_name", "Wulan Sari")
    operator.fill("#id_birth_place", "BATANG")
    operator.fill("#id_birth_date", "1988-07-01")
    operator.select_option("#id_gender", "P")
    operator.select_option("#id_religion", "islam")
    operator.select_option("#id_marital_status", "kawin_tercatat")
    operator.select_option("#id_occupation", "02")
    operator.fill("#id_address", "Jl. Kauman RT 001 RW 002")
    operator.fill("#id_isian-keperluan", "Melamar pekerjaan")
    shots(operator, "datang-langsung")
    operator.get_by_role("button", name="Daftarkan sebagai Konsep").click()

    assert "didaftarkan dengan status Konsep" in operator.content()
    request = LetterRequest.objects.get()
    assert (request.status, request.channel, request.applicant) == (
        "konsep",
        "datang_langsung",
        None,
    )


def _resident_with_request(new_page, tmp_path):
    resident = new_page()
    steps.register(resident, **GUIDE)
    steps.confirm_email(resident)
    steps.login_resident(resident, nik=GUIDE["nik"], password=GUIDE["password"])
    steps.complete_profile(resident, tmp_path)
    steps.submit_domisili(resident, KEPERLUAN)
    return resident


def test_a_rejection_with_a_reason(new_page, office, shots, tmp_path):
    resident = _resident_with_request(new_page, tmp_path)
    operator = new_page()
    steps.login_staff(operator, username="operator.kauman", password=PASSWORD)
    operator.goto("/petugas/permohonan/")
    operator.get_by_role("link", name="Buka").first.click()
    operator.fill("#id_reason", "Alamat pada KTP berbeda dengan isian.")
    operator.get_by_role("button", name="Tolak permohonan").click()

    resident.goto("/riwayat/")
    resident.get_by_role("link", name="Detail").click()
    assert "Ditolak" in resident.content()
    assert "Alamat pada KTP berbeda dengan isian." in resident.content()
    shots(resident, "ditolak")


def test_a_cancellation(new_page, office, shots, tmp_path):
    resident = _resident_with_request(new_page, tmp_path)
    resident.get_by_role("link", name="Detail").click()
    resident.get_by_role("button", name="Batalkan permohonan").click()

    assert "Dibatalkan" in resident.content()
    assert LetterRequest.objects.get().status == RequestStatus.DIBATALKAN
    shots(resident, "dibatalkan")


def test_a_wrong_passphrase_leaves_the_draft(
    new_page, office, shots, draft, signing_head, head_passphrase
):
    lurah = new_page()
    steps.login_staff(lurah, username="lurah.kauman", password=PASSWORD)
    lurah.goto(f"/petugas/permohonan/{draft.registration_number}/")
    lurah.fill("#passphrase", "bukan-passphrase-saya")
    lurah.get_by_role("button", name="Tanda tangani dan terbitkan").click()

    assert "Passphrase tanda tangan salah" in lurah.content()
    shots(lurah, "passphrase-salah")
    draft.refresh_from_db()
    assert (draft.status, draft.letter_number) == ("konsep", "")


def test_a_password_change_and_a_reset(new_page, office, shots, resident):
    page = new_page(PHONE)
    steps.login_resident(page, nik=resident.username, password=PASSWORD)
    page.goto("/ubah-password/")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Password-Baru-2026")
    page.fill("#id_new_password2", "Password-Baru-2026")
    page.get_by_role("button", name="Perbarui Kata Sandi").click()
    assert "Kata sandi Anda telah diubah" in page.content()
    shots(page, "password-diubah")
    steps.logout(page)

    page.goto("/masuk/")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    page.fill("#id_email", resident.email)
    page.fill("#id_captcha", steps.CAPTCHA)
    page.get_by_role("button", name="Kirim tautan").click()
    page.goto(steps.last_link(r"/lupa-password/\S+/\S+/"))
    page.fill("#id_new_password1", "Password-Lagi-2027")
    page.fill("#id_new_password2", "Password-Lagi-2027")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    assert "Kata sandi berhasil diubah" in page.content()
    steps.login_resident(page, nik=resident.username, password="Password-Lagi-2027")
