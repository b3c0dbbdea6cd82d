"""What a person does in the browser, step by step, as the guide describes it."""

import io
import re
import time

from django.conf import settings
from django.core import mail
from django_otp.oath import TOTP
from PIL import Image

from layanan.accounts.models import EncryptedTOTPDevice, User

CAPTCHA = "4531"  # the test settings' fixed Kode Keamanan: the field is still required


def jpeg_file(tmp_path, name: str, color) -> str:
    path = tmp_path / name
    image = Image.new("RGB", (640, 400), color)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def last_link(pattern: str) -> str:
    """The path of the newest emailed link matching ``pattern``."""
    for message in reversed(mail.outbox):
        found = re.search(rf"https?://[^/\s]+({pattern})", str(message.body))
        if found:
            return found.group(1)
    raise AssertionError(f"no email with a link like {pattern}")


def register(page, *, nik, name, birth_place, birth_date, email, password):
    page.goto("/")
    page.get_by_role("link", name="Registrasi").first.click()
    page.fill("#id_nik", nik)
    page.fill("#id_full_name", name)
    page.fill("#id_birth_place", birth_place)
    page.fill("#id_birth_date", birth_date)
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.check("#id_agree")
    page.fill("#id_captcha", CAPTCHA)
    page.get_by_role("button", name="Registrasi").click()
    page.wait_for_url("**/registrasi/terkirim/")


def confirm_email(page):
    page.goto(last_link(r"/registrasi/konfirmasi/\S+/"))
    page.get_by_role("button", name="Konfirmasi akun saya").click()
    page.wait_for_url("**/masuk/")


def login_resident(page, *, nik, password):
    page.goto("/masuk/")
    page.fill("#id_identifier", nik)
    page.fill("#id_password", password)
    page.fill("#id_captcha", CAPTCHA)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/beranda/")


def totp_code(user: User, *, steps_ahead: int = 0) -> str:
    device = EncryptedTOTPDevice.objects.get(user=user)
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():06d}"


def login_staff(page, *, username, password, shots=None):
    """The staff login, then the login code: enrolment on the first login."""
    page.goto("/petugas/masuk/")
    page.fill("#id_identifier", username)
    page.fill("#id_password", password)
    page.fill("#id_captcha", CAPTCHA)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/petugas/masuk/kode/**")
    user = User.objects.get(username=username)
    enrolling = page.locator(".two-factor-qr").count() > 0
    if shots and enrolling:
        shots(page, f"2fa-enrol-{username}")
    page.fill("#id_code", totp_code(user))
    page.locator("main form button[type=submit]").first.click()
    if enrolling:
        page.get_by_role("link", name="Lanjutkan").click()
    page.wait_for_url("**/petugas/**")


def logout(page):
    toggler = page.locator("label.navbar-toggler")
    if toggler.is_visible():  # a phone: open the menu (a CSS checkbox, no JavaScript needed)
        toggler.click()
    page.locator("header form button[type=submit]").click()


def complete_profile(page, tmp_path, *, village_label="Kelurahan Kauman"):
    page.goto("/profil/ubah/")
    page.select_option("#id_gender", "L")
    page.fill("#id_phone", "085740050060")
    page.fill("#id_address", "Jl. Dr Wahidin")
    page.fill("#id_rt", "04")
    page.fill("#id_rw", "3")
    page.fill("#id_kk_number", "3325110101150001")
    page.select_option("#id_education", "05")
    page.select_option("#id_marital_status", "belum_kawin")
    page.select_option("#id_religion", "islam")
    page.select_option("#id_district", label="Batang")
    # The village list follows the kecamatan (HTMX replaces the options).
    page.wait_for_selector(f"#id_village option:text-is('{village_label}')", state="attached")
    page.select_option("#id_village", label=village_label)
    page.select_option("#id_occupation", "88")
    page.set_input_files("#id_ktp_upload", jpeg_file(tmp_path, "ktp.jpg", (210, 190, 160)))
    page.set_input_files("#id_kk_upload", jpeg_file(tmp_path, "kk.jpg", (160, 190, 210)))
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url("**/profil/")


def submit_domisili(page, keperluan: str):
    page.goto("/layanan/")
    page.get_by_role("link", name="Surat Keterangan Domisili").click()
    page.get_by_role("link", name="Ajukan Permohonan").click()
    page.fill("#id_isian-keperluan", keperluan)
    page.check("#id_agree")
    page.get_by_role("button", name="Ajukan Permohonan").click()
    page.wait_for_url("**/riwayat/")


def public_url_for(live_server) -> None:
    """QR codes and emailed links point at the live test server."""
    settings.LDM_PUBLIC_URL = live_server.url
