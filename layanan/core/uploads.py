"""Validation and sanitising of identity-document uploads (a resident's KTP and KK).

What residents send is mostly a phone's camera photo: a JPEG of 3 to 20 MB, or an iPhone's
HEIC (HEIF), sometimes a WebP. All of them are accepted and stored as a JPEG of a legible size
(``max_side`` pixels on the longest side, enough to read a KTP or a KK), upright and without
metadata; a PNG (a screenshot, a scan) stays a PNG, shrunk the same way.

The files are personal data and come from the internet, so every upload is treated as
hostile until proven otherwise:

* **The type is read from the content.** A file name and a declared content type are chosen
  by the sender; an executable called ``ktp.jpg`` says ``image/jpeg`` as easily as a photo.
  Only the first bytes (the magic number) decide whether a file is JPEG, PNG, HEIF, WebP or
  PDF, and the parser for that one format must then agree.
* **Sizes are checked before work is done.** At most ``max_bytes + 1`` bytes are read, and an
  image's width and height are read from its header and refused before any pixel is decoded,
  so that a small file declaring a gigantic image (a decompression bomb) cannot exhaust memory.
  A JPEG larger than needed is decoded at a reduced scale (1/2, 1/4, 1/8) from the start.
* **What is stored is rebuilt, never the upload itself.** Images are decoded and re-encoded:
  this applies the EXIF orientation, drops every piece of metadata (EXIF with GPS position,
  XMP, ICC profiles, PNG text chunks, JPEG comments) and destroys polyglots, files that are
  also HTML or a script thanks to data hidden in a comment or appended after the image.
  PDFs must be free of active content (scripts, launch actions, attachments, forms); their
  pages alone are copied into a new file, without document metadata, names, outlines,
  annotations or page actions.

Nothing here logs or echoes the content of a file.
"""

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

MEGABYTE = 1024 * 1024
JPEG_QUALITY = 85

# Pillow reads HEIF (an iPhone's HEIC) through pillow-heif: the primary image only, never the
# thumbnails, depth maps or auxiliary images a phone puts beside it. libheif applies the
# file's rotation while decoding and pillow-heif then resets the EXIF orientation to 1, so a
# HEIC comes out upright and is not turned a second time.
register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
# The brands of the ISO media file ("ftyp" box) that hold HEIF still images.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})

# Names that make a PDF do something rather than show something: run a script, start a
# program, carry a file, play media, hold an XFA form, send or fetch data, act on events.
PDF_ACTIVE_CONTENT = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/AA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
    }
)
# A scanned page needs its drawing and its geometry, nothing else. Links, annotations, page
# actions, thumbnails, application data and metadata are left behind.
PDF_PAGE_KEYS = frozenset(
    {
        "/Type",
        "/Resources",
        "/Contents",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/Rotate",
        "/UserUnit",
        "/Group",
    }
)
# Dropped at every depth while copying a page, e.g. XMP attached to an image on the page.
PDF_NESTED_KEYS_DROPPED = ("/Metadata", "/PieceInfo")
# A scan of a few pages has a few hundred objects; the walk stops well beyond that.
PDF_MAX_OBJECTS = 50_000

# The `accept` attribute of a file input for photos: what a phone's camera and gallery give
# (with image/heic listed, an iPhone sends its HEIC as it is, and the server converts it).
PHOTO_ACCEPT = ",".join(
    [
        *(".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp"),
        *("image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"),
    ]
)
PHOTO_OR_PDF_ACCEPT = PHOTO_ACCEPT + ",.pdf,application/pdf"

# PNG modes that Pillow writes back unchanged; anything else becomes RGB(A).
PNG_MODES_KEPT = frozenset({"1", "L", "LA", "I;16", "P", "RGB", "RGBA"})


class Upload(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CleanUpload:
    """A sanitised identity document, ready to be stored under a name of our choosing."""

    content: bytes
    extension: str
    content_type: str


@dataclass(frozen=True)
class _FileType:
    """A type accepted, with the extension and content type of what is stored for it."""

    extension: str
    content_type: str
    pillow_formats: tuple[str, ...]


JPEG = _FileType("jpg", "image/jpeg", ("JPEG", "MPO"))
PNG = _FileType("png", "image/png", ("PNG",))
# Stored as JPEG: browsers other than Safari cannot show HEIF, and the letters need none.
HEIF = _FileType("jpg", "image/jpeg", ("HEIF",))
WEBP = _FileType("jpg", "image/jpeg", ("WEBP",))
PDF = _FileType("pdf", "application/pdf", ())


def photo_input_attrs(*, accept: str, max_bytes: int, max_side: int) -> dict[str, str]:
    """Attributes of a file input for photos: `accept`, and the limits that
    core/static/core/uploads.js reads to shrink a photo in the browser before sending it."""
    return {
        "accept": accept,
        "data-upload-max-bytes": str(max_bytes),
        "data-upload-max-side": str(max_side),
    }


def identity_document_clean(
    upload: Upload,
    *,
    max_bytes: int,
    max_pixels: int,
    max_pdf_pages: int,
    max_side: int | None = None,
) -> CleanUpload:
    """Return a sanitised copy of an uploaded KTP or KK, or raise `ValidationError`.

    `upload` is a Django `UploadedFile` or any binary file-like object; its name and
    declared content type are ignored on purpose. An image larger than `max_side` pixels on
    its longest side is shrunk to it (None: kept at its size).
    """
    upload_size_check(upload, max_bytes=max_bytes)
    data = _read_limited(upload, max_bytes=max_bytes)
    file_type = _sniff(data)
    if file_type is PDF:
        content = _pdf_clean(data, max_pages=max_pdf_pages)
    else:
        content = _image_clean(data, file_type, max_pixels=max_pixels, max_side=max_side)
    return CleanUpload(
        content=content, extension=file_type.extension, content_type=file_type.content_type
    )


def upload_size_check(upload: Upload, *, max_bytes: int) -> None:
    """Refuse an upload whose known size is over `max_bytes`, telling both sizes.

    Django's uploads know their size, also one whose content was not kept because it was
    over every form's limit (``layanan.core.upload_handlers.OversizedUpload``).
    """
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_bytes:
        # Rounded up, so that a file just over the limit never reads as the limit itself.
        megabytes = math.ceil(size * 10 / MEGABYTE) / 10
        raise ValidationError(
            _("The file is %(size)s MB, over the limit of %(limit)s MB."),
            code="too_large",
            params={"size": _number(megabytes), "limit": _number(max_bytes / MEGABYTE)},
        )


def _read_limited(upload: Upload, *, max_bytes: int) -> bytes:
    too_large = ValidationError(
        _("The file is larger than %(limit)s MB."),
        code="too_large",
        params={"limit": _number(max_bytes / MEGABYTE)},
    )
    # A form field may already have read the file (Django's ImageField does).
    seek = getattr(upload, "seek", None)
    if callable(seek):
        seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _sniff(data: bytes) -> _FileType:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    # An ISO media file: its size, "ftyp", then the major brand.
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return HEIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    raise _wrong_type()


def _wrong_type() -> ValidationError:
    return ValidationError(
        _("Only JPG, PNG, HEIC, WebP or PDF files are accepted."), code="wrong_type"
    )


# --- images ---------------------------------------------------------------------------


def _image_clean(
    data: bytes, file_type: _FileType, *, max_pixels: int, max_side: int | None
) -> bytes:
    # Pillow warns above its own MAX_IMAGE_PIXELS and raises above twice that. A warning
    # would let the image through, so its limit also caps ours: whatever Pillow warns about
    # is refused below, without touching the process-wide warning filters or Pillow's setting.
    pillow_limit = Image.MAX_IMAGE_PIXELS
    limit = max_pixels if pillow_limit is None else min(max_pixels, pillow_limit)
    with _reading_image(limit):
        # Opening reads the header only; no pixel is decoded yet.
        header = Image.open(io.BytesIO(data), formats=[file_type.pillow_formats[0]])
        if header.format not in file_type.pillow_formats:
            raise _wrong_type()
        if header.width * header.height > limit:
            raise _too_many_pixels(limit)
        header.verify()
        # verify() leaves the image unusable, so decoding starts from a fresh parser.
        image = Image.open(io.BytesIO(data), formats=[file_type.pillow_formats[0]])
        if file_type is JPEG and max_side is not None:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the size asked for: a
            # 12 MP photo to be shrunk is not held in memory at its full size.
            image.draft(None, _shrunk_size(image.size, max_side))
        image.load()
        return _image_reencode(image, file_type, max_side=max_side)


def _shrunk_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _image_reencode(image: Image.Image, file_type: _FileType, *, max_side: int | None) -> bytes:
    ImageOps.exif_transpose(image, in_place=True)
    if file_type is PNG:
        clean = image.convert(_png_mode(image))
        options: dict[str, object] = {}
        output_format = "PNG"
    else:
        clean = _flattened(image)
        options = {"quality": JPEG_QUALITY, "optimize": True}
        output_format = "JPEG"
    if max_side is not None and max(clean.size) > max_side:
        clean = clean.resize(_shrunk_size(clean.size, max_side), Image.Resampling.LANCZOS)
    # Pillow writes some metadata from `info` (JPEG comment, ICC profile, transparency)
    # even when not asked to, and convert() copies it along with the pixels.
    clean.info = {}
    output = io.BytesIO()
    clean.save(output, format=output_format, **options)
    return output.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """RGB for a JPEG: transparent parts (a WebP or HEIF may have them) become white."""
    if image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _png_mode(image: Image.Image) -> str:
    # Transparency stored beside the pixels (tRNS) is lost with `info`; an alpha band keeps it.
    if "transparency" in image.info or image.mode == "PA":
        return "RGBA"
    return image.mode if image.mode in PNG_MODES_KEPT else "RGB"


@contextmanager
def _reading_image(limit: int) -> Iterator[None]:
    """Turn the many exceptions Pillow raises on hostile or broken files into one answer."""
    try:
        yield
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(limit) from exc
    except Exception as exc:
        raise ValidationError(
            _("The image is damaged or incomplete. Please take the photo or scan again."),
            code="image_damaged",
        ) from exc


def _too_many_pixels(limit: int) -> ValidationError:
    return ValidationError(
        _("The image is too large: at most %(limit)s megapixels are accepted."),
        code="image_too_many_pixels",
        params={"limit": _number(limit / 1_000_000)},
    )


# --- PDF ------------------------------------------------------------------------------


def _pdf_clean(data: bytes, *, max_pages: int) -> bytes:
    with _reading_pdf():
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("The PDF file is protected by a password. Please upload it without one."),
                code="pdf_encrypted",
            )
        page_count = len(reader.pages)
        if page_count == 0:
            raise ValidationError(_("The PDF file has no pages."), code="pdf_no_pages")
        if page_count > max_pages:
            raise ValidationError(
                ngettext(
                    "The PDF file may have at most %(limit)s page.",
                    "The PDF file may have at most %(limit)s pages.",
                    max_pages,
                ),
                code="pdf_too_many_pages",
                params={"limit": max_pages},
            )
        if _pdf_has_active_content(reader.trailer):
            raise ValidationError(
                _(
                    "The PDF file contains scripts, attachments or other active content. "
                    "Please upload a plain scan."
                ),
                code="pdf_active_content",
            )
        content = _pdf_rewrite(reader)
        if len(PdfReader(io.BytesIO(content)).pages) != page_count:
            raise ValueError("the rewritten PDF lost pages")  # reported as a damaged PDF
        return content


def _pdf_has_active_content(trailer: DictionaryObject) -> bool:
    """Whether any object reachable from the trailer names active content, as key or value.

    Iterative with a visited set, so that reference cycles and deep nesting cannot loop
    or overflow the stack, and bounded, so that a crafted file cannot keep us busy.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [trailer]
    visited = 0
    while stack:
        node: PdfObject | None = stack.pop()
        if isinstance(node, IndirectObject):
            reference = (node.idnum, node.generation)
            if reference in seen:
                continue
            seen.add(reference)
            node = node.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            raise ValidationError(
                _("The PDF file is too complex. Please upload a plain scan."),
                code="pdf_too_complex",
            )
        if isinstance(node, DictionaryObject):
            # dict.values() gives the stored values, leaving references unresolved.
            children = [*node.keys(), *node.values()]
        elif isinstance(node, ArrayObject):
            children = list(node)
        else:
            continue
        for child in children:
            if isinstance(child, NameObject) and child in PDF_ACTIVE_CONTENT:
                return True
            if isinstance(child, DictionaryObject | ArrayObject | IndirectObject):
                stack.append(child)
    return False


def _pdf_rewrite(reader: PdfReader) -> bytes:
    writer = PdfWriter()
    # Without this pypdf writes an /Info dictionary naming itself as producer.
    writer.metadata = None
    for page in reader.pages:
        for key in set(page) - PDF_PAGE_KEYS:
            del page[key]
        writer.add_page(page, excluded_keys=PDF_NESTED_KEYS_DROPPED)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@contextmanager
def _reading_pdf() -> Iterator[None]:
    """Turn the many exceptions pypdf raises on malformed files into one answer."""
    try:
        yield
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(
            _("The PDF file is damaged and cannot be read."), code="pdf_damaged"
        ) from exc


def _number(value: float) -> str:
    return number_format(value, decimal_pos=0 if value.is_integer() else 1)
