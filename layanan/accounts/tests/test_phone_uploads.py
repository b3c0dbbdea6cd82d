"""Uploads from phones through the resident's profile form (issue 18, finding 2): a camera
JPEG of more than 12 MB and an iPhone HEIC are accepted, stored shrunk, upright and without
EXIF; a file over 20 MB is told its own size and the limit while the other file's error
shows at the same time. Every photo is made here (noise and a red marker), none is real.
"""

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from PIL import ExifTags, Image
from pillow_heif import register_heif_opener

from layanan.accounts.models import ResidentProfile
from layanan.accounts.tests.factories import UserFactory
from layanan.accounts.tests.test_profile import _form
from layanan.core.upload_handlers import OversizedUpload

pytestmark = pytest.mark.django_db

register_heif_opener()  # to make the HEIC here; the site registers its own reader

MEGABYTE = 1024 * 1024
RED = (255, 0, 0)
MARKER = 400  # pixels of the red square in the camera's top-left corner


@pytest.fixture
def new_resident(kauman):
    user = UserFactory.create(username="3325110101000000", full_name="AKHMAD KURNIAWAN")
    ResidentProfile.objects.create(user=user, birth_place="BATANG", birth_date="2000-01-01")
    return user


def _id(message: str) -> str:
    with translation.override("id"):
        return gettext(message)


def _camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Kamera Fiktif"
    exif[ExifTags.Base.Model] = "HP Uji 12"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 54.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (109.0, 43.0, 12.0)
    return exif


def _sensor_image(size: tuple[int, int], *, noise: bool) -> Image.Image:
    """What the camera's sensor saw, landscape, with a red square in its top-left corner."""
    if noise:  # random noise barely compresses: the JPEG is as large as a real photo's
        pixels = random.Random(18).randbytes(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels)
    else:  # HEVC encodes noise slowly; a gradient is quick and still a photo-sized picture
        gradient = Image.linear_gradient("L").resize(size)
        image = Image.merge("RGB", [gradient, Image.new("L", size, 160), gradient])
    image.paste(RED, (0, 0, MARKER, MARKER))
    return image


def camera_jpeg(orientation: int) -> bytes:
    """A camera's JPEG of more than 12 MB (8 MP at quality 100), held sideways."""
    output = io.BytesIO()
    _sensor_image((3264, 2448), noise=True).save(
        output, format="JPEG", quality=100, exif=_camera_exif(orientation)
    )
    return output.getvalue()


def iphone_heic(orientation: int) -> bytes:
    output = io.BytesIO()
    _sensor_image((2560, 1920), noise=False).save(
        output,
        format="HEIF",
        quality=60,
        exif=_camera_exif(orientation).tobytes(),
        enc_params={"preset": "ultrafast"},
    )
    return output.getvalue()


def _is_red(pixel) -> bool:
    red, green, blue = pixel
    return red > 200 and green < 60 and blue < 60


def _stored(profile: ResidentProfile, kind: str) -> bytes:
    with profile.document(kind).open("rb") as stored:
        return stored.read()


def _assert_clean_upright_photo(content: bytes, *, marker_at: str) -> None:
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG"
    # Held sideways: the camera's landscape picture is stored as the portrait it showed.
    assert image.width < image.height
    assert max(image.size) <= 2000
    assert max(image.size) >= 1500  # shrunk to a legible size, not to a thumbnail
    assert dict(image.getexif()) == {}
    assert b"Exif" not in content
    assert b"Kamera Fiktif" not in content
    rgb = image.convert("RGB")
    inside = max(1, MARKER * max(image.size) // 3264 // 3)  # well within the shrunk square
    corners = {
        "top-left": (inside, inside),
        "top-right": (image.width - 1 - inside, inside),
        "bottom-left": (inside, image.height - 1 - inside),
        "bottom-right": (image.width - 1 - inside, image.height - 1 - inside),
    }
    red = {name for name, xy in corners.items() if _is_red(rgb.getpixel(xy))}
    assert red == {marker_at}


def test_a_camera_jpeg_and_an_iphone_heic_are_stored_shrunk_upright_and_without_exif(
    client, new_resident, kauman
):
    jpeg, heic = camera_jpeg(orientation=6), iphone_heic(orientation=8)
    assert len(jpeg) > 12 * MEGABYTE
    assert heic[4:12] == b"ftypheic"
    assert Image.open(io.BytesIO(jpeg)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert Image.open(io.BytesIO(heic)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    client.force_login(new_resident)
    data = _form(kauman)
    data.setdefault("citizenship", "WNI")
    data["ktp_upload"] = SimpleUploadedFile("IMG_20240105_093012.jpg", jpeg, "image/jpeg")
    data["kk_upload"] = SimpleUploadedFile("IMG_0412.HEIC", heic, "image/heic")

    response = client.post(reverse("accounts:profile-edit"), data)

    assert response.status_code == 302, response.content.decode()
    profile = ResidentProfile.objects.get(user=new_resident)
    assert str(profile.ktp_file.name).endswith(".jpg")
    assert str(profile.kk_file.name).endswith(".jpg")  # a HEIC is kept as a JPEG all browsers show
    ktp, kk = _stored(profile, "ktp"), _stored(profile, "kk")
    # Orientation 6: "turn 90° clockwise to show", so the camera's top-left is the top-right.
    _assert_clean_upright_photo(ktp, marker_at="top-right")
    assert len(ktp) < len(jpeg) / 5
    # Orientation 8: "turn 90° counter-clockwise", the top-left becomes the bottom-left.
    _assert_clean_upright_photo(kk, marker_at="bottom-left")
    assert b"ftyp" not in kk[:32]
    for kind, stored in (("ktp", ktp), ("kk", kk)):
        own = client.get(reverse("accounts:own-document", kwargs={"kind": kind}))
        assert own.status_code == 200
        assert own["Content-Type"] == "image/jpeg"
        assert b"".join(own.streaming_content) == stored


def test_a_file_over_20_mb_is_named_with_its_size_while_the_other_files_error_shows_too(
    client, new_resident, kauman
):
    client.force_login(new_resident)
    data = _form(kauman)
    data.setdefault("citizenship", "WNI")
    too_large = b"\xff\xd8\xff\xe0" + b"\0" * (int(24.25 * MEGABYTE) - 4)
    data["ktp_upload"] = SimpleUploadedFile("IMG_1234.jpg", too_large, "image/jpeg")
    data["kk_upload"] = SimpleUploadedFile("kk.jpg", b"MZ\x90\x00" + b"\0" * 200, "image/jpeg")

    response = client.post(reverse("accounts:profile-edit"), data)

    assert response.status_code == 200  # the form again, not a 413 page
    # Only the size of the file over every form's limit was kept, none of its content.
    received = response.wsgi_request.FILES["ktp_upload"]
    assert isinstance(received, OversizedUpload)
    assert received.size == len(too_large)
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["ktp_upload"]] == ["too_large"]
    assert [error.code for error in errors["kk_upload"]] == ["wrong_type"]
    page = response.content.decode()
    told_size = _id("The file is %(size)s MB, over the limit of %(limit)s MB.") % {
        "size": "24,3",
        "limit": "20",
    }
    told_type = _id("Only JPG, PNG, HEIC, WebP or PDF files are accepted.")
    for document, message in (("KTP", told_size), ("KK", told_type)):
        expected = _id("%(document)s: %(error)s") % {"document": document, "error": message}
        # Beside its field and in the summary at the top.
        assert page.count(expected) == 2, expected
    profile = ResidentProfile.objects.get(user=new_resident)
    assert not profile.ktp_file
    assert not profile.kk_file
    assert not profile.village_id  # nothing else of the form was saved either


def test_the_form_offers_phone_photos_and_states_the_limit(client, new_resident):
    client.force_login(new_resident)

    response = client.get(reverse("accounts:profile-edit"))

    form = response.context["form"]
    for name in ("ktp_upload", "kk_upload"):
        attrs = form.fields[name].widget.attrs
        for accepted in (".heic", ".heif", ".webp", "image/heic", ".jpg", ".png", ".pdf"):
            assert accepted in attrs["accept"].split(",")
        assert attrs["data-upload-max-bytes"] == str(20 * MEGABYTE)
        assert attrs["data-upload-max-side"] == "2000"
        assert "20 MB" in str(form.fields[name].help_text)
    page = response.content.decode()
    assert "data-upload-form" in page
    assert "/static/core/uploads.js" in page
