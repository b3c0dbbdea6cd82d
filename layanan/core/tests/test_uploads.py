"""Identity-document uploads: only clean JPEG, PNG and PDF files come out, whatever goes in."""

import io
import struct
import warnings
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile
from PIL.PngImagePlugin import PngImageFile, PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import (
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

from layanan.core.uploads import CleanUpload, identity_document_clean

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000, "max_pdf_pages": 4}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCRIPT = b"<script>alert(document.cookie)</script>"


def _upload(content: bytes, name: str = "ktp.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _clean(content: bytes, name: str = "ktp.jpg", **limits: int) -> CleanUpload:
    return identity_document_clean(_upload(content, name), **{**LIMITS, **limits})


def _rejection(content: bytes, name: str = "ktp.jpg", **limits: int) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _clean(content, name, **limits)
    return caught.value


def _image_bytes(image: Image.Image, image_format: str, **options) -> bytes:
    output = io.BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


def _photo(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Noise, so that the encoded file is long enough to cut in half meaningfully."""
    return Image.effect_noise(size, 64).convert("RGB")


def _png_chunk_types(data: bytes) -> list[bytes]:
    types, offset = [], len(PNG_MAGIC)
    while offset < len(data):
        length, chunk_type = struct.unpack(">I4s", data[offset : offset + 8])
        types.append(chunk_type)
        offset += 12 + length
    return types


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a size; its pixel data would never fill it."""

    def chunk(chunk_type: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(chunk_type + body)
        return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return PNG_MAGIC + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _pdf(*, pages: int = 1, prepare=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        font = {"/Type": "/Font", "/Subtype": "/Type1", "/BaseFont": "/Helvetica"}
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): _pdf_dictionary(font)})}
        )
        content = ContentStream(None, writer)
        content.set_data(b"BT /F1 24 Tf 72 720 Td (KARTU KELUARGA) Tj ET")
        page.replace_contents(content)
    if prepare is not None:
        prepare(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _pdf_dictionary(entries: dict[str, str]) -> DictionaryObject:
    return DictionaryObject({NameObject(k): NameObject(v) for k, v in entries.items()})


def _as_dictionary(value: PdfObject | None) -> DictionaryObject:
    assert isinstance(value, DictionaryObject)
    return value


# --- images ----------------------------------------------------------------------------


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright():
    image = Image.new("RGB", (20, 10), "red")
    image.paste("blue", (10, 0, 20, 10))  # left half red, right half blue
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    exif[ExifTags.Base.Make] = "Kamera Desa"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 54.0, 30.0)
    original = _image_bytes(image, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    clean = _clean(original, "IMG_0001.JPG")

    assert (clean.extension, clean.content_type) == ("jpg", "image/jpeg")
    result = Image.open(io.BytesIO(clean.content))
    assert result.format == "JPEG"
    assert result.mode == "RGB"
    assert dict(result.getexif()) == {}
    assert b"Exif" not in clean.content
    assert result.size == (10, 20)
    top, bottom = result.getpixel((5, 2)), result.getpixel((5, 17))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_png_loses_its_text_chunks():
    text = PngInfo()
    text.add_text("Author", "Siti Aminah")
    text.add_text("Comment", SCRIPT.decode(), zip=True)
    text.add_itxt("Description", "NIK 3325xxxxxxxxxxxx")
    original = _image_bytes(Image.new("RGB", (30, 20), "white"), "PNG", pnginfo=text)
    assert b"tEXt" in original and b"zTXt" in original and b"iTXt" in original

    clean = _clean(original, "kk.png")

    assert (clean.extension, clean.content_type) == ("png", "image/png")
    result = Image.open(io.BytesIO(clean.content))
    assert isinstance(result, PngImageFile)
    assert result.text == {}
    assert set(_png_chunk_types(clean.content)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert b"Siti" not in clean.content


def test_a_png_keeps_its_transparency_as_an_alpha_channel():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 255, 255])
    original = _image_bytes(image, "PNG", transparency=0)

    clean = _clean(original, "ktp.png")

    result = Image.open(io.BytesIO(clean.content))
    assert result.mode == "RGBA"
    pixel = result.getpixel((0, 0))
    assert isinstance(pixel, tuple)
    assert pixel[3] == 255
    assert set(_png_chunk_types(clean.content)) <= {b"IHDR", b"IDAT", b"IEND"}


def test_the_type_comes_from_the_content_not_the_name():
    png = _image_bytes(Image.new("L", (4, 4)), "PNG")

    clean = identity_document_clean(_upload(png, "ktp.pdf", "application/pdf"), **LIMITS)

    assert (clean.extension, clean.content_type) == ("png", "image/png")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 200, id="windows-exe"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\0" * 200, id="linux-elf"),
        pytest.param(b"<!DOCTYPE html><html>" + SCRIPT + b"</html>", id="html"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", id="gif"),
        pytest.param(b"PK\x03\x04" + b"\0" * 100, id="zip"),
        pytest.param(b"  %PDF-1.7\n", id="pdf-header-not-at-the-start"),
    ],
)
@pytest.mark.parametrize(
    ("name", "content_type"), [("ktp.jpg", "image/jpeg"), ("ktp.png", "image/png")]
)
def test_anything_but_jpeg_png_or_pdf_is_refused_whatever_its_name(content, name, content_type):
    with pytest.raises(ValidationError) as caught:
        identity_document_clean(_upload(content, name, content_type), **LIMITS)

    assert caught.value.code == "wrong_type"


def test_an_empty_file_is_refused():
    assert _rejection(b"").code == "empty"


def test_a_file_over_the_limit_is_refused():
    original = _image_bytes(_photo(), "JPEG")

    error = _rejection(original, max_bytes=len(original) - 1)

    assert error.code == "too_large"
    assert _clean(original, max_bytes=len(original)).extension == "jpg"


def test_no_more_than_the_limit_is_read_from_a_file_of_unknown_size():
    stream = io.BytesIO(b"\xff\xd8\xff" + b"\0" * 10_000)

    with pytest.raises(ValidationError) as caught:
        identity_document_clean(stream, **{**LIMITS, "max_bytes": 100})

    assert caught.value.code == "too_large"
    assert stream.tell() == 101


def test_a_file_already_read_by_a_form_is_read_from_the_start():
    upload = _upload(_image_bytes(_photo(), "JPEG"))
    upload.read()

    assert identity_document_clean(upload, **LIMITS).extension == "jpg"


@pytest.mark.parametrize(
    ("size", "max_pixels"),
    [
        # Beyond twice Pillow's own limit: Pillow raises DecompressionBombError.
        pytest.param((30_000, 30_000), 40_000_000, id="pillow-error"),
        # Under Pillow's limit but over ours.
        pytest.param((7_000, 7_000), 40_000_000, id="our-limit"),
        # Over Pillow's warning limit while ours is higher: the warning is not enough.
        pytest.param((10_000, 10_000), 500_000_000, id="pillow-warning"),
    ],
)
def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(
    size, max_pixels, monkeypatch
):
    def decode_nothing(image):
        raise AssertionError("the pixels were about to be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode_nothing)
    bomb = _png_declaring(*size)

    with warnings.catch_warnings():
        # As in production, where a DecompressionBombWarning is only printed.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        error = _rejection(bomb, "ktp.png", max_pixels=max_pixels)

    assert len(bomb) < 1024
    assert error.code == "image_too_many_pixels"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(image_format):
    original = _image_bytes(_photo(), image_format)

    assert _rejection(original[: len(original) // 2]).code == "image_damaged"


@pytest.mark.parametrize("magic", [b"\xff\xd8\xff\xe0", PNG_MAGIC])
def test_garbage_behind_an_image_signature_is_refused(magic):
    assert _rejection(magic + bytes(range(256)) * 4).code == "image_damaged"


def test_html_hidden_in_a_jpeg_does_not_survive():
    photo = _image_bytes(_photo(), "JPEG", comment=SCRIPT)
    polyglot = photo + b"<html><body>" + SCRIPT + b"</body></html>"

    clean = _clean(polyglot)

    assert clean.extension == "jpg"
    assert b"<script" not in clean.content.lower()
    assert b"<html" not in clean.content.lower()
    assert clean.content.endswith(b"\xff\xd9")


def test_a_multi_picture_jpeg_from_a_phone_keeps_only_the_photo():
    photo, depth_map = _photo(), Image.new("RGB", (64, 48), "gray")
    mpo = _image_bytes(photo, "MPO", save_all=True, append_images=[depth_map])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"

    clean = _clean(mpo)

    result = Image.open(io.BytesIO(clean.content))
    assert result.format == "JPEG"
    assert getattr(result, "n_frames", 1) == 1


# --- PDF -------------------------------------------------------------------------------


def _with_metadata(writer: PdfWriter) -> None:
    writer.add_metadata({"/Author": "Siti Aminah", "/Title": "KK 3325", "/Creator": "Pemindai"})
    writer.xmp_metadata = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Siti Aminah</dc:creator>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    writer.add_annotation(0, Link(rect=(50, 50, 200, 80), url="https://example.org/"))


def test_a_pdf_keeps_its_page_and_loses_its_metadata_and_annotations():
    original = _pdf(prepare=_with_metadata)
    metadata = PdfReader(io.BytesIO(original)).metadata
    assert metadata is not None
    assert metadata.author == "Siti Aminah"

    clean = _clean(original, "kk.pdf")

    assert (clean.extension, clean.content_type) == ("pdf", "application/pdf")
    result = PdfReader(io.BytesIO(clean.content))
    assert len(result.pages) == 1
    assert "KARTU KELUARGA" in result.pages[0].extract_text()
    assert result.metadata is None
    assert result.xmp_metadata is None
    assert "/Annots" not in result.pages[0]
    assert b"Siti" not in clean.content
    assert b"Pemindai" not in clean.content


def test_xmp_attached_to_a_picture_on_a_page_does_not_survive():
    def picture_with_xmp(writer: PdfWriter) -> None:
        xmp = DecodedStreamObject()
        xmp.set_data(b"<x:xmpmeta><dc:creator>Siti Aminah</dc:creator></x:xmpmeta>")
        picture = DecodedStreamObject()
        picture.set_data(b"\xff\xff\xff")
        picture.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(1),
                NameObject("/Height"): NumberObject(1),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                # pypdf has no public way to add an indirect object (a stream must be one).
                NameObject("/Metadata"): writer._add_object(xmp),
            }
        )
        resources = _as_dictionary(writer.pages[0]["/Resources"])
        resources[NameObject("/XObject")] = DictionaryObject(
            {NameObject("/Im0"): writer._add_object(picture)}
        )

    clean = _clean(_pdf(prepare=picture_with_xmp), "kk.pdf")

    resources = _as_dictionary(PdfReader(io.BytesIO(clean.content)).pages[0]["/Resources"])
    picture = _as_dictionary(_as_dictionary(resources["/XObject"])["/Im0"])
    assert picture["/Width"] == NumberObject(1)
    assert "/Metadata" not in picture
    assert b"Siti" not in clean.content


def test_a_pdf_with_several_pages_keeps_them_all():
    result = PdfReader(io.BytesIO(_clean(_pdf(pages=4), "kk.pdf").content))

    assert len(result.pages) == 4


def _open_action_javascript(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hai')"),
        }
    )


def _open_action_launch(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )


def _document_javascript(writer: PdfWriter) -> None:
    writer.add_open_action(JavaScript("this.print();"))


def _page_action(writer: PdfWriter) -> None:
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert('hai')"))


def _embedded_file(writer: PdfWriter) -> None:
    writer.add_attachment("ktp.exe", b"MZ\x90\x00")


@pytest.mark.parametrize(
    "prepare",
    [
        _open_action_javascript,
        _open_action_launch,
        _document_javascript,
        _page_action,
        _embedded_file,
    ],
)
def test_a_pdf_with_active_content_is_refused(prepare):
    assert _rejection(_pdf(prepare=prepare), "kk.pdf").code == "pdf_active_content"


def test_an_encrypted_pdf_is_refused():
    def encrypt(writer: PdfWriter) -> None:
        writer.encrypt(user_password="", owner_password="rahasia", algorithm="RC4-128")

    assert _rejection(_pdf(prepare=encrypt), "kk.pdf").code == "pdf_encrypted"


def test_a_pdf_with_too_many_pages_is_refused():
    error = _rejection(_pdf(pages=5), "kk.pdf", max_pdf_pages=4)

    assert error.code == "pdf_too_many_pages"
    assert error.params == {"limit": 4}


def test_a_pdf_without_pages_is_refused():
    output = io.BytesIO()
    PdfWriter().write(output)

    assert _rejection(output.getvalue(), "kk.pdf").code == "pdf_no_pages"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 8, id="garbage"),
        pytest.param(b"%PDF-1.7\n" + SCRIPT, id="html"),
    ],
)
def test_garbage_behind_a_pdf_signature_is_refused(content):
    assert _rejection(content, "kk.pdf").code == "pdf_damaged"


def test_a_truncated_pdf_is_refused():
    original = _pdf(pages=2)

    assert _rejection(original[: len(original) // 3], "kk.pdf").code == "pdf_damaged"
