"""Rendering letters to PDF with Typst (the templates live in ./typst).

Each request becomes plain data (a JSON document in ``sys.inputs``); the layout sets every
value as text, so no resident input can act as Typst markup. A compiler per thread keeps
the fonts loaded between letters.
"""

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import segno
import typst
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from layanan.documents.models import CertificateAuthority
from layanan.letters.fields import display_rows
from layanan.letters.models import LetterCategory, LetterRequest
from layanan.regions.models import Regency, VillageOffice

TYPST_DIR = Path(__file__).resolve().parent / "typst"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
DEFAULT_LOGO = TYPST_DIR / "emblem.svg"
_local = threading.local()


class RenderError(RuntimeError):
    """A template failed to compile (a bug or a broken edited template, never user data)."""


@cache
def render_root() -> Path:
    """The folder Typst may read: a copy of the shipped templates plus the bodies edited by
    the district admin (``types/custom-<sha256>.typ``), and nothing else. Edited templates
    are Typst code, and a template can read any file under its root: keys, uploads and the
    database stay outside it. Rebuilt once per process from the shipped files."""
    root = Path(settings.VAR_DIR) / "typst-root"
    shutil.copytree(TYPST_DIR, root, dirs_exist_ok=True)
    return root


@cache
def package_dir() -> Path:
    """Typst's package folders (local packages and the download cache): one empty folder of
    our own, never the user's ~/.cache/typst, so that no package fetched earlier is found."""
    folder = Path(settings.VAR_DIR) / "typst-packages"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


# `import`/`include` (with or without `#`) and what follows: the only statements by which
# Typst loads a package ("@preview/name:1.0.0"), and so the only ones that reach the network.
_IMPORT = re.compile(r"(?<![\w-])(?:import|include)\b(?P<rest>[^\n]*)")
_RELATIVE_SOURCE = re.compile(r'\s*"(?P<path>[^"@\\]*)"\s*(?=$|:|as\b|;|\})')


def package_import_refused(template: str) -> str:
    """Why an edited template may not be compiled, or "" if it may.

    typst-py 0.15 gives every compiler Typst Universe's downloader (src/world.rs,
    ``UniversePackages``): an `@preview` import the empty package folders do not hold is
    downloaded, whatever folders it is pointed at. So an edited body may import only a file
    of the render root, named by a plain string and nothing else: a package, or a path
    computed at run time (``#import ("@pre" + "view/...")``, ``"x".replace(...)``), is refused
    before Typst ever sees it."""
    for match in _IMPORT.finditer(template):
        source = _RELATIVE_SOURCE.match(match["rest"])
        if source is None or not source["path"]:
            return gettext("packages from outside are not allowed")
    return ""


def _compiler() -> typst.Compiler:
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        root = render_root()
        compiler = typst.Compiler(
            root / "main.typ",
            root=root,
            font_paths=[FONTS_DIR],
            ignore_system_fonts=True,
            package_path=package_dir(),
            package_cache_path=package_dir(),
        )
        _local.compiler = compiler
    return compiler


@dataclass(frozen=True)
class Issue:
    """What exists only once a letter is signed."""

    number: str
    issued_on: dt.date
    valid_until: dt.date
    verification_url: str
    signer_name: str
    signer_title: str
    # The moment of signing (the signature block prints it, to the minute, in WIB).
    signed_at: dt.datetime | None = None
    # Printed beside the QR code, never in it: what opens the original PDF to someone who
    # holds the letter (letters.access_codes). Empty: none printed.
    access_code: str = ""


@dataclass(frozen=True)
class RenderedLetter:
    """A rendered letter and where its signature block is, for the visible signature field:
    (page index, x1, y1, x2, y2) in PDF points from the page's lower-left corner."""

    pdf: bytes
    signature_box: tuple[int, float, float, float, float] | None


# The data mask is fixed instead of searched: segno's search for the "best" of the 8 masks
# costs ~3 ms a letter in pure Python (measured: 4.1 ms -> 1.1 ms), every mask yields a
# standard QR code, and the tests decode the printed code from a rendered page.
QR_MASK = 3


def qr_svg(url: str) -> str:
    qr = segno.make(url, error="m", mask=QR_MASK, micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", border=2, dark="#000", light="#fff", xmldecl=False)
    return buffer.getvalue().decode()


@cache
def _default_logo() -> str:
    return DEFAULT_LOGO.read_text(encoding="utf-8")


def _logo_svg(office: VillageOffice | None) -> str:
    name = office.logo.name if office is not None else None
    if office is None or not name:  # a FieldFile without a name is no file
        return _default_logo()
    with office.logo.open("rb") as handle:
        content = handle.read()
    if name.endswith(".svg"):
        return content.decode("utf-8")
    # Raster logos travel inside an SVG, the one image format passed as text.
    mime = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    encoded = base64.b64encode(content).decode()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">'
        f'<image width="100" height="100" preserveAspectRatio="xMidYMid meet" '
        f'xlink:href="data:{mime};base64,{encoded}"/></svg>'
    )


def _date(value: dt.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _moment(value: dt.datetime) -> str:
    """'01 Desember 2026 pukul 18.42 WIB' (Asia/Jakarta)."""
    local = timezone.localtime(value)
    return f"{_date(local.date())} pukul {local:%H.%M} WIB"


def body_module(letter_type_code: str, body_template: str = "") -> str:
    """The Typst module of a type's body: an edited template, its shipped file, or generic."""
    if body_template.strip():
        refused = package_import_refused(body_template)
        if refused:
            raise RenderError(refused)
        digest = hashlib.sha256(body_template.encode()).hexdigest()[:32]
        # Beside the shipped bodies, so that `#import "../layout.typ"` works the same.
        path = render_root() / "types" / f"custom-{digest}.typ"
        if not path.exists():
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(body_template, encoding="utf-8")
            temporary.replace(path)  # atomic: a concurrent render never reads half a file
        return f"custom-{digest}"
    name = letter_type_code.lower()
    return name if (TYPST_DIR / "types" / f"{name}.typ").exists() else "generic"


def shipped_body_template(letter_type_code: str) -> str:
    """The Typst body shipped for a type (or the generic one): the type editor's start."""
    return (TYPST_DIR / "types" / f"{body_module(letter_type_code)}.typ").read_text(
        encoding="utf-8"
    )


def letter_data(
    request: LetterRequest,
    issue: Issue | None,
    *,
    office: VillageOffice | None = None,
    head_name: str = "",
) -> dict:
    """The data the templates receive; strings, lists and dicts only.

    ``field_rows`` are the type's answers as labelled display rows (groups as tables) and
    ``shown`` the same by field name, for bodies that write them into sentences.
    """
    village = request.village
    district = village.district
    regency = district.regency
    contact = []
    if office:
        contact = [
            f"Telp. {office.phone}" if office.phone else "",
            f"Email: {office.email}" if office.email else "",
            office.website,
        ]
    # The office's street address and postal code, or nothing: the lines above already name
    # the village, kecamatan and kabupaten, and a kop surat without a known address prints
    # no address line rather than the village's name again (issue 18).
    address = ", ".join(
        part
        for part in (
            office.address.strip() if office else "",
            f"Kode Pos {office.postal_code}" if office and office.postal_code else "",
        )
        if part
    )
    head_title = f"{village.head_title} {village.display_name}"
    field_rows: list[dict[str, object]] = []
    shown: dict[str, str | list[list[str]]] = {}
    for row in display_rows(request.form_schema, request.data)[:-1]:  # Keperluan: the layout's
        if row.is_table:
            rows = [list(cells) for cells in row.table_rows]
            field_rows.append(
                {"label": row.label, "headers": list(row.table_headers), "rows": rows}
            )
            shown[row.name] = rows
        else:
            field_rows.append({"label": row.label, "value": row.value})
            shown[row.name] = row.value
    return {
        "draft": issue is None,
        "category": "pengantar"
        if request.letter_type.category == LetterCategory.PENGANTAR
        else "keterangan",
        "title": request.letter_type.name,
        "number_display": issue.number if issue else "…/…/…/… (belum terbit)",
        "letterhead": {
            "regency": f"PEMERINTAH {regency.name.upper()}",
            "district": f"KECAMATAN {district.name.upper()}",
            "village": f"{village.kind_label.upper()} {village.name.upper()}",
            "address_line": address,
            "contact_line": " · ".join(part for part in contact if part),
        },
        "place": {
            "village_kind": village.kind_label,
            "village": village.display_name,
            "district": district.display_name,
            "regency": regency.display_name,
            "province": regency.province.display_name,
        },
        "applicant": {
            "name": request.applicant_name.upper(),
            "nik": request.applicant_nik,
            "birth": (
                f"{request.applicant_birth_place.title()}, {_date(request.applicant_birth_date)}"
            ),
            "gender": request.applicant_gender,
            "religion": request.applicant_religion,
            "marital_status": request.applicant_marital_status,
            # As the register writes it ("Wiraswasta"), like the rows around it.
            "occupation": request.applicant_occupation,
            "citizenship": request.applicant_citizenship,
            "address": request.applicant_address,
        },
        "fields": request.data,
        "field_rows": field_rows,
        "shown": shown,
        "keperluan": request.keperluan,
        "validity": (
            f"{_date(issue.issued_on)} s.d. {_date(issue.valid_until)}"
            if issue
            else request.letter_type.validity_text
        ),
        "place_date": (
            f"{village.display_name}, {_date(issue.issued_on) if issue else '(tanggal terbit)'}"
        ),
        "signer_title": issue.signer_title if issue else head_title,
        "signer_name": (
            issue.signer_name if issue else head_name or "(nama penandatangan)"
        ).upper(),
        "verification_url": issue.verification_url if issue else "",
        "access_code": issue.access_code if issue else "",
        "signature_marker": _signature_marker(),
        "signed_at": _moment(issue.signed_at) if issue and issue.signed_at else "",
        "issuer_line": _issuer_line() if issue else "",
    }


def _issuer_line() -> str:
    """Who certified the signature, as the footer says it: BSrE with the wording BSSN asks
    for, or the kabupaten's local CA by its name (never BSrE's name for a local signature)."""
    if settings.LDM_SIGNER == "bsre":
        return (
            "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat "
            "elektronik yang diterbitkan oleh Balai Besar Sertifikasi Elektronik (BSrE), "
            "Badan Siber dan Sandi Negara."
        )
    return (
        "Dokumen ini ditandatangani secara elektronik menggunakan sertifikat elektronik yang "
        f"diterbitkan oleh {local_issuer_name()}, otoritas sertifikat lokal pemerintah "
        "kabupaten (bukan BSrE)."
    )


def local_issuer_name() -> str:
    """The local CA's name as its certificates say it (before the PKI exists: the name it
    will have)."""
    authority = CertificateAuthority.objects.filter(retired_at__isnull=True).first()
    if authority is not None:
        return authority.name
    regency = Regency.objects.filter(code=settings.LDM_REGENCY_CODE).first()
    return f"CA Lokal Layanan Desa Mandiri {regency.display_name if regency else ''}".strip()


def _signature_marker() -> str:
    """The character BSrE looks for to place a visible signature (empty: not used)."""
    if settings.LDM_SIGNER == "bsre" and settings.LDM_BSRE_APPEARANCE == "qr_marker":
        return settings.LDM_BSRE_MARKER
    return ""


def letter_inputs(
    request: LetterRequest, issue: Issue | None = None, *, head_name: str = ""
) -> dict[str, str]:
    """Everything the templates need, as the strings Typst receives (reads the database)."""
    office = VillageOffice.objects.filter(village=request.village_id).first()
    with translation.override(settings.LANGUAGE_CODE):
        data = letter_data(request, issue, office=office, head_name=head_name)
    return {
        "data": json.dumps(data, ensure_ascii=False, sort_keys=True),
        "body": body_module(request.letter_type.code, request.letter_type.body_template),
        "logo": _logo_svg(office),
    }


# Issued letters are PDF/A-2b (ISO 19005-2, archival: fonts embedded, an output intent, XMP
# metadata); drafts are plain PDF, they are never kept.
PDF_STANDARD: Final = "a-2b"


def compile_letter(
    inputs: dict[str, str], *, verification_url: str | None = None
) -> RenderedLetter:
    """The QR code and Typst: no database, so it may run in another thread (Typst releases
    the GIL while it compiles). The letter to be signed is PDF/A-2b, with the position of
    its signature block (asked of the same compiler, which keeps the layout: ~0.4 ms)."""
    if verification_url is not None:
        inputs = {**inputs, "qr": qr_svg(verification_url)}
    compiler = _compiler()
    try:
        if verification_url is None:
            return RenderedLetter(_pdf(compiler.compile(format="pdf", sys_inputs=inputs)), None)
        pdf = compiler.compile(format="pdf", sys_inputs=inputs, pdf_standards=PDF_STANDARD)
        box = json.loads(compiler.query("<ttd-box>", field="value", one=True))
    except typst.TypstError as error:
        raise RenderError(str(error)) from error
    return RenderedLetter(_pdf(pdf), _signature_box(box))


def _pdf(output: object) -> bytes:
    if not isinstance(output, bytes):
        raise RenderError("Typst returned no PDF")
    return output


# The visible signature field's frame stands this far (points) around the block's text.
FRAME_MARGIN = 5


def _signature_box(box: dict) -> tuple[int, float, float, float, float]:
    """Typst's position (top-left origin, the block's top and bottom) as a PDF box."""
    height = box["page_height"]
    return (
        box["page"] - 1,
        box["x"] - FRAME_MARGIN,
        height - box["bottom"] - FRAME_MARGIN,
        box["x"] + box["width"] + FRAME_MARGIN,
        height - box["top"] + FRAME_MARGIN,
    )


def letter_pdf(request: LetterRequest, issue: Issue | None = None, *, head_name: str = "") -> bytes:
    """The letter as PDF: a draft with a KONSEP watermark and no number or QR code, or the
    letter to be signed, with its number and the QR code of its verification URL."""
    return compile_letter(
        letter_inputs(request, issue, head_name=head_name),
        verification_url=issue.verification_url if issue else None,
    ).pdf


def letter_preview_png(request: LetterRequest, *, ppi: int = 60) -> list[bytes]:
    """The pages of a letter as PNG images (the type editor's live preview); the request
    may be an unsaved sample. Raises RenderError with Typst's message for a broken template."""
    inputs = letter_inputs(request, None, head_name="Nama Kepala Desa")
    try:
        pages = _compiler().compile(format="png", ppi=ppi, sys_inputs=inputs)
    except typst.TypstError as error:
        raise RenderError(getattr(error, "message", str(error))) from error
    if pages is None:  # only when compiling to an output file
        raise RenderError("Typst returned no pages")
    return pages if isinstance(pages, list) else [pages]
