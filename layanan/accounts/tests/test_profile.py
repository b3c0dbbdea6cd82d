import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import ResidentProfile
from layanan.accounts.tests.factories import UserFactory, jpeg_bytes
from layanan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_resident(kauman):
    """Just registered: only the registration data, nothing else yet."""
    user = UserFactory.create(username="3325110101000000", full_name="AKHMAD KURNIAWAN")
    ResidentProfile.objects.create(user=user, birth_place="BATANG", birth_date="2000-01-01")
    return user


def _form(village, **overrides):
    data = {
        "full_name": "AKHMAD KURNIAWAN",
        "birth_place": "BATANG",
        "birth_date": "2000-01-01",
        "gender": "L",
        "address": "Jl. Dr Wahidin",
        "rt": "4",
        "rw": "3",
        "phone": "+62 857-4005-0060",
        "kk_number": "3325110101090001",
        "education": "05",
        "marital_status": "belum_kawin",
        "district": village.district_id,
        "village": village.code,
        "religion": "islam",
        "occupation": "88",
    }
    data.update(overrides)
    return data


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "KameraHP"  # Make
    exif[0x8825] = {1: "S", 2: (6.0, 54.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_resident_completes_the_profile_with_ktp_and_kk(client, new_resident, kauman):
    client.force_login(new_resident)
    data = _form(kauman)
    data["ktp_upload"] = SimpleUploadedFile("foto ktp.jpg", _jpeg_with_gps(), "image/jpeg")
    data["kk_upload"] = SimpleUploadedFile("kk.jpg", jpeg_bytes(), "image/jpeg")

    response = client.post(reverse("accounts:profile-edit"), data)

    assert response.status_code == 302, response.content.decode()
    profile = ResidentProfile.objects.get(user=new_resident)
    assert profile.is_complete
    assert profile.status == ProfileStatus.UNVERIFIED
    assert profile.submitted_at is not None
    assert (profile.rt, profile.rw, profile.phone) == ("004", "003", "085740050060")
    assert profile.ktp_file.name is not None
    assert new_resident.username not in profile.ktp_file.name
    assert profile.ktp_file.name.endswith(".jpg")
    with profile.ktp_file.open("rb") as stored:
        assert not Image.open(stored).getexif()  # metadata (GPS) stripped
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Belum Terverifikasi" in page


def test_the_village_list_follows_the_kecamatan_without_javascript(client, new_resident, batang):
    client.force_login(new_resident)

    response = client.post(
        reverse("accounts:profile-edit"),
        {**_form(batang.districts.get(code="33.25.01").villages.first()), "refresh_villages": "1"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kelurahan Kauman" not in html  # villages of Wonotunggal only
    assert 'value="33.25.01.' in html
    assert not ResidentProfile.objects.get(user=new_resident).village_id  # nothing saved


def test_the_village_list_follows_the_kecamatan_with_javascript(client, batang):
    response = client.get(reverse("accounts:village-options"), {"district": "33.25.11"})

    html = response.content.decode()
    assert html.count("<option") == 21 + 1
    assert "Kelurahan Kauman" in html


def test_a_village_of_another_kecamatan_is_refused(client, new_resident, batang):
    client.force_login(new_resident)
    wonotunggal_village = batang.districts.get(code="33.25.01").villages.first()

    response = client.post(
        reverse("accounts:profile-edit"),
        _form(wonotunggal_village, district="33.25.11"),
    )

    assert response.status_code == 200
    assert not ResidentProfile.objects.get(user=new_resident).village_id


def test_sex_and_birth_date_must_agree_with_the_nik(client, new_resident, kauman):
    client.force_login(new_resident)

    response = client.post(
        reverse("accounts:profile-edit"), _form(kauman, gender="P", birth_date="2000-01-02")
    )

    html = response.content.decode()
    assert "tidak sesuai dengan NIK" in html
    assert "tidak sesuai dengan tanggal lahir" in html
    assert ResidentProfile.objects.get(user=new_resident).gender == ""


def test_a_renamed_executable_is_refused_and_nothing_changes(client, new_resident, kauman):
    client.force_login(new_resident)
    data = _form(kauman)
    data["ktp_upload"] = SimpleUploadedFile("ktp.jpg", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg")

    response = client.post(reverse("accounts:profile-edit"), data)

    assert response.status_code == 200
    assert "JPG, PNG, HEIC, WebP" in response.content.decode()
    profile = ResidentProfile.objects.get(user=new_resident)
    assert not profile.ktp_file
    assert not profile.village_id


def test_an_oversized_upload_is_refused(client, new_resident, kauman, settings):
    settings.LDM_UPLOAD_MAX_BYTES = 2000
    client.force_login(new_resident)
    data = _form(kauman)
    data["ktp_upload"] = SimpleUploadedFile("ktp.jpg", jpeg_bytes(size=(600, 600)), "image/jpeg")

    response = client.post(reverse("accounts:profile-edit"), data)

    assert response.status_code == 200
    assert not ResidentProfile.objects.get(user=new_resident).ktp_file


def test_changing_identity_data_after_verification_sends_it_back(client, resident, operator):
    profile = resident.profile
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    client.force_login(resident)

    client.post(
        reverse("accounts:profile-edit"),
        _form(
            profile.village,
            full_name=resident.full_name,
            birth_date="1990-01-01",
            address="Jl. Baru 1",
        ),
    )

    profile.refresh_from_db()
    assert profile.status == ProfileStatus.UNVERIFIED
    assert AuditEntry.objects.filter(action="profile.reset", subject=resident).exists()


def test_changing_only_the_phone_keeps_the_verification(client, resident):
    profile = resident.profile
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    client.force_login(resident)
    data = {
        **_form(profile.village, full_name=resident.full_name, birth_date="1990-01-01"),
        "address": profile.address,
        "rt": profile.rt,
        "rw": profile.rw,
        "kk_number": profile.kk_number,
        "education": profile.education,
        "marital_status": profile.marital_status,
        "phone": "081299998888",
    }

    response = client.post(reverse("accounts:profile-edit"), data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.phone == "081299998888"
    assert profile.status == ProfileStatus.VERIFIED


def test_the_owner_sees_their_own_documents_privately(client, resident):
    client.force_login(resident)

    response = client.get(reverse("accounts:own-document", kwargs={"kind": "ktp"}))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert not AuditEntry.objects.exists()  # owners reading their own files are not audited


def test_identity_files_have_no_public_url(resident):
    with pytest.raises(ValueError, match="not accessible via a URL"):
        _ = resident.profile.ktp_file.url
