"""Phone photos in identity_document_clean and the upload handler (issue 18, finding 2):
HEIC and WebP are read and stored as JPEG, every image is shrunk to the side asked for, and a
file over every form's limit reaches the form as its size alone. The view-level journey (a
12 MB camera JPEG and a HEIC through the profile form) is in accounts/tests/test_phone_uploads.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.test import RequestFactory
from PIL import ExifTags, Image, ImageOps
from pillow_heif import register_heif_opener

from layanan.core.upload_handlers import OversizedUpload
from layanan.core.uploads import identity_document_clean

register_heif_opener()  # to make the HEIC here; the site registers its own reader

LIMITS = {"max_bytes": 20 * 1024 * 1024, "max_pixels": 50_000_000, "max_pdf_pages": 5}


def _encoded(image: Image.Image, image_format: str, **options) -> bytes:
    output = io.BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


def _gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamera Fiktif"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 54.0, 30.0)
    return exif


def _clean(content: bytes, name: str, **limits):
    upload = SimpleUploadedFile(name, content, "application/octet-stream")
    return identity_document_clean(upload, **{**LIMITS, **limits})


def test_a_heic_is_stored_as_a_jpeg_without_its_metadata_whatever_its_name():
    image = Image.new("RGB", (300, 200), (20, 90, 160))
    heic = _encoded(image, "HEIF", quality=60, exif=_gps_exif().tobytes())

    clean = _clean(heic, "ktp.jpg", max_side=2000)

    assert (clean.extension, clean.content_type) == ("jpg", "image/jpeg")
    result = Image.open(io.BytesIO(clean.content))
    assert (result.format, result.size) == ("JPEG", (300, 200))
    assert dict(result.getexif()) == {}
    assert b"Kamera Fiktif" not in clean.content


def test_a_webp_with_transparency_is_stored_as_a_jpeg_on_white():
    image = Image.new("RGBA", (3000, 1500), (0, 0, 0, 0))  # transparent black
    image.paste((0, 0, 255, 255), (0, 0, 1500, 1500))  # left half opaque blue
    webp = _encoded(image, "WEBP", lossless=True, exif=_gps_exif().tobytes())

    clean = _clean(webp, "kk.webp", max_side=2000)

    result = Image.open(io.BytesIO(clean.content))
    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (2000, 1000))
    assert dict(result.getexif()) == {}
    blue, white = result.getpixel((500, 500)), result.getpixel((1500, 500))
    assert isinstance(blue, tuple) and isinstance(white, tuple)
    assert blue[2] > 200 and blue[0] < 60
    assert min(white) > 240


def test_a_large_png_scan_stays_a_png_and_is_shrunk():
    scan = Image.linear_gradient("L").resize((1800, 2600))

    clean = _clean(_encoded(scan, "PNG"), "kk.png", max_side=2000)

    result = Image.open(io.BytesIO(clean.content))
    assert (result.format, result.mode) == ("PNG", "L")
    assert result.size == (1385, 2000)


def test_a_jpeg_to_be_shrunk_is_decoded_at_a_reduced_scale(monkeypatch):
    photo = _encoded(Image.effect_noise((4000, 3000), 40).convert("RGB"), "JPEG")
    decoded: list[tuple[int, int]] = []
    exif_transpose = ImageOps.exif_transpose

    def noting_exif_transpose(image, **kwargs):  # the first step after decoding
        decoded.append(image.size)
        return exif_transpose(image, **kwargs)

    monkeypatch.setattr(ImageOps, "exif_transpose", noting_exif_transpose)

    clean = _clean(photo, "ktp.jpg", max_side=1000)

    assert Image.open(io.BytesIO(clean.content)).size == (1000, 750)
    assert decoded == [(1000, 750)]  # libjpeg gave 1/4 of the size, never the full 12 MP
    # Without a side to shrink to, the image keeps its size.
    assert Image.open(io.BytesIO(_clean(photo, "ktp.jpg").content)).size == (4000, 3000)


def test_a_file_over_every_forms_limit_reaches_the_form_as_its_size_alone(settings, tmp_path):
    settings.LDM_UPLOAD_MAX_BYTES = 100_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # both files go to temporary files
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    request = RequestFactory().post(
        "/",
        {
            "ktp_upload": SimpleUploadedFile("besar.jpg", b"x" * 250_000, "image/jpeg"),
            "kk_upload": SimpleUploadedFile("kk.jpg", b"y" * 50_000, "image/jpeg"),
        },
    )

    files = request.FILES

    oversized, kept = files["ktp_upload"], files["kk_upload"]
    assert isinstance(oversized, OversizedUpload)
    assert (oversized.name, oversized.size, oversized.read()) == ("besar.jpg", 250_000, b"")
    assert isinstance(kept, UploadedFile)
    assert not isinstance(kept, OversizedUpload)
    assert kept.read() == b"y" * 50_000
    # The copy of the large file begun on disk was deleted; the other file's is still there.
    assert [path.stat().st_size for path in tmp_path.iterdir()] == [50_000]
