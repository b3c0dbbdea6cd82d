"""Checking a letter someone holds: by its QR token, or by uploading the PDF itself.

An uploaded file gets one outcome, told apart in this order:

1. **Original**: byte for byte the letter as issued (``document_sha256``) or as it is kept now,
   archive timestamps included (``LetterArchive.current_sha256``); or the issued file (or the
   revision the head signed) followed only by long-term validation updates: pyHanko's diff
   analysis of the head's signature finds nothing beyond ``ModificationLevel.LTA_UPDATES``,
   every later signature is a document timestamp, and each later revision adds a DSS or a
   timestamp. The second kind is told apart ("with validation data added later").
2. **Changed after signing**: the file starts like one of our letters but was updated with
   more than validation data, or it carries a signature chaining to our trust roots that no
   longer matches (or covers) the file. What was done is named from pyHanko's validation
   (integrity, modification level) and from reading the incremental updates after the signed
   revision: page content, annotations, form fields, new signatures and signature fields
   that paint over the letter.
3. **Copy, not the original**: no signature of ours, but the text names a letter's
   verification URL and is that letter's text (its number, the applicant's name, and the
   words of the stored original): a signature stripped, a print to PDF, a re-print.
4. **Foreign**: it names a real letter (in a signature's /Reason, its text or its links) but is
   none of the above: not the letter it names.
5. **Unknown**: nothing of ours.

A letter found is given with its own state (in force, expired, revoked). The file is read with
bounded work and never kept; nothing of it is logged.
"""

import asyncio
import contextvars
import difflib
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pypdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import DatabaseError, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError

from layanan.core.throttle import throttle
from layanan.documents.models import LetterArchive
from layanan.documents.pki.authority import authorities
from layanan.letters import rules as letter_rules
from layanan.letters.access_codes import access_code_matches
from layanan.letters.fields import DisplayRow, public_rows
from layanan.letters.models import LetterRequest, RequestStatus

logger = logging.getLogger(__name__)

TOKEN_IN_REASON = re.compile(r"/v/([A-Za-z0-9_-]{20})/")
TOKEN_IN_BYTES = re.compile(rb"/v/([A-Za-z0-9_-]{20})/")
REASON = re.compile(rb"/Reason\s*\(")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

# Bounds on the work one upload may cause (the form already limits it to 10 MB).
MAX_REVISION_ENDS = 64  # %%EOF markers whose prefix is compared with issued letters
MAX_LETTERS_NAMED = 4  # letters a file may name that are looked at
MAX_SIGNATURES = 8
MAX_UPDATES = 16  # incremental updates read after the signed revision
MAX_OBJECTS_PER_UPDATE = 2000
MAX_TEXT_PAGES = 5
MAX_TEXT_CHARS = 100_000
MAX_WORDS = 4000
MAX_FIELD_DEPTH = 8
# A copy's words must be this close to the original's (difflib's ratio): a print to PDF or a
# stripped file gives the same words, a forgery that keeps only the number does not.
SAME_TEXT = 0.9


class LetterState(models.TextChoices):
    VALID = "valid", _("Issued")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Outcome(models.TextChoices):
    ORIGINAL = "original", _("Original")
    ORIGINAL_LTV = "original_ltv", _("Original, with long-term validation data added later")
    CHANGED = "changed", _("Changed after signing")
    COPY = "copy", _("Copy, not the original")
    FOREIGN = "foreign", _("Not issued as such: suspected forgery")
    UNKNOWN = "unknown", _("Unknown")


class Change(models.TextChoices):
    """What was done to a file, as far as it can be told; listed in this order."""

    SIGNATURE_BROKEN = (
        "signature_broken",
        _(
            "The signed content was altered: the village's electronic signature no longer "
            "matches the file."
        ),
    )
    CONTENT = "content", _("The content of the pages was changed or added to.")
    OVERLAY = (
        "overlay",
        _("A new signature field paints text or images over the letter."),
    )
    ANNOTATION = (
        "annotation",
        _("An annotation (a note, stamp, drawing or link) was added or changed."),
    )
    FORM = "form", _("A form field was added or its value was changed.")
    SIGNATURE = "signature", _("A new signature or signature field was added.")
    OTHER = "other", _("Other changes to the file, not long-term validation data.")
    SIGNATURE_REMOVED = (
        "signature_removed",
        _("The village's electronic signature was removed from it."),
    )
    TEXT_DIFFERS = "text_differs", _("Its text differs in places from the original letter.")
    FOREIGN_SIGNATURE = (
        "foreign_signature",
        _("It carries a signature that is not the village's."),
    )


_CHANGE_ORDER = {change: index for index, change in enumerate(Change)}


@dataclass(frozen=True)
class UploadCheck:
    outcome: Outcome
    letter: LetterRequest | None = None
    state: LetterState | None = None
    changes: tuple[Change, ...] = ()

    @property
    def verdict(self) -> str:
        """The one word the earlier check answered (valid, expired, revoked, tampered or
        unknown), for callers that need no more than that."""
        if self.outcome in (Outcome.ORIGINAL, Outcome.ORIGINAL_LTV) and self.state:
            return str(self.state)
        if self.outcome == Outcome.CHANGED:
            return "tampered"
        return "unknown"


def _result(
    outcome: Outcome, letter: LetterRequest | None, changes: Iterable[Change] = ()
) -> UploadCheck:
    return UploadCheck(
        outcome,
        letter,
        letter_state(letter) if letter is not None else None,
        tuple(sorted(set(changes), key=_CHANGE_ORDER.__getitem__)),
    )


# --- The page behind the QR code ------------------------------------------------------------

# What the page behind the QR code reads of a letter. A request row also holds the type's
# texts and template: not loading them makes the page ~10 % cheaper. The answers and their
# field definitions are read for the fields the type shows publicly (``public_rows``), the
# applicant's account for the owner's own download.
_PAGE_FIELDS = (
    "registration_number",
    "status",
    "status_note",
    "applicant",
    "applicant_name",
    "applicant_nik",
    "form_schema",
    "data",
    "letter_number",
    "issued_at",
    "valid_from",
    "valid_until",
    "signer_name",
    "signer_title",
    "verification_token",
    "access_code_hash",
    "letter_type__name",
    "letter_type__public_fields",
    "village__name",
    "village__kind",
    "village__district__name",
)
_PUBLIC_STATUSES = (RequestStatus.TERBIT, RequestStatus.DICABUT)


def letter_by_token(token: str, *, for_page: bool = False) -> LetterRequest | None:
    """The issued (or revoked) letter of a verification token; with `for_page`, only what
    its public page shows."""
    letters = LetterRequest.objects.filter(
        verification_token=token, status__in=_PUBLIC_STATUSES
    ).select_related("letter_type", "village__district")
    if for_page:
        letters = letters.only(*_PAGE_FIELDS)
    return letters.first()


def letter_state(letter: LetterRequest) -> LetterState:
    if letter.status == RequestStatus.DICABUT:
        return LetterState.REVOKED
    if letter.is_expired(timezone.localdate()):
        return LetterState.EXPIRED
    return LetterState.VALID


def letter_public_rows(letter: LetterRequest) -> list[DisplayRow]:
    """The letter's answers its type shows on the verification page (none by default);
    never a field holding a NIK or income."""
    return public_rows(letter.form_schema, letter.data, letter.letter_type.public_fields)


# --- The original PDF from the verification page ----------------------------------------------


class PdfAccess(StrEnum):
    """How the verification page gives a letter's original PDF to the person looking."""

    OWNER = "owner"  # the owner, logged in: no code needed, revoked or not
    OPEN = "open"  # anyone holding the QR code
    CODE = "code"  # whoever types the access code
    OWNER_ONLY = "owner_only"  # issued before access codes: its owner only
    REVOKED = "revoked"  # nobody but its owner
    OFF = "off"  # not from the verification page


def pdf_access(letter: LetterRequest, user: Any) -> PdfAccess:
    """Who may have the original PDF, as ``LDM_VERIFICATION_PDF_DOWNLOAD`` says: its owner
    (revoked or not), then anyone ("open") or whoever has its code ("code"); a revoked
    letter's PDF is never public, and a letter without a code opens to its owner only."""
    mode = settings.LDM_VERIFICATION_PDF_DOWNLOAD
    if mode not in ("open", "code"):
        return PdfAccess.OFF
    if letter_rules.is_request_owner(user, letter):
        return PdfAccess.OWNER
    if letter.status == RequestStatus.DICABUT:
        return PdfAccess.REVOKED
    if mode == "open":
        return PdfAccess.OPEN
    return PdfAccess.CODE if letter.access_code_hash else PdfAccess.OWNER_ONLY


class CodeCheck(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"
    LOCKED = "locked"  # too many wrong codes from the address: not judged


def letter_code_check(letter: LetterRequest, typed: str, *, address: str) -> CodeCheck:
    """Judge a typed access code, counted per client address: each attempt is counted
    before it is judged (attempts sent at once stay within the limit), a wrong one stays
    counted, a right one is given back. Nothing is reset by a right code: one's own
    letter's code must not clear the count of guesses at others'."""
    limiter = throttle("letter-code-address")
    if limiter.reserve(address) is not None:
        return CodeCheck.LOCKED
    if access_code_matches(letter.access_code_hash, typed, token=letter.verification_token or ""):
        limiter.release(address)
        return CodeCheck.RIGHT
    if limiter.refused(address) is not None:
        return CodeCheck.LOCKED
    return CodeCheck.WRONG


def mask_nik(nik: str) -> str:
    """Show only the first 4 and last 2 digits: enough to compare with a KTP at hand."""
    return f"{nik[:4]}{'*' * (len(nik) - 6)}{nik[-2:]}" if len(nik) > 6 else "*" * len(nik)


# --- Our signatures ---------------------------------------------------------------------------


@cache
def _trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """Every generation of the local CA, and the configured extra roots (BSrE's)."""
    certificates = [authority.certificate for authority in authorities()]
    for path in settings.LDM_TRUST_ROOTS:
        certificates.append(x509.load_pem_x509_certificate(Path(path).read_bytes()))
    return tuple(
        asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        for certificate in certificates
    )


def trust_roots_forget() -> None:
    """Drop this process's copy of the trust roots (after a restore or a new local CA)."""
    _trust_roots.cache_clear()


def _validation_context(signature: EmbeddedPdfSignature) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(_trust_roots()),
        other_certs=list(signature.other_embedded_certs),
        allow_fetching=False,
        revocation_mode="soft-fail",
        # The certificate must have been valid when the letter was signed, not today.
        moment=signature.self_reported_timestamp,
    )


def _chains_to_our_roots(signature: EmbeddedPdfSignature) -> bool:
    """Whether the signer's certificate chains to our roots. Checked apart from the
    signature's integrity: a changed file breaks the latter but keeps the former."""
    validator = CertificateValidator(
        signature.signer_cert, validation_context=_validation_context(signature)
    )
    try:
        asyncio.run(validator.async_validate_path())
    except PathBuildingError:
        return False
    return True


def _is_ours(signature: EmbeddedPdfSignature) -> bool:
    """A signature (not a timestamp: our time-stamping unit answers anyone) made with a
    key that chains to our roots."""
    try:
        encapsulated = signature.signed_data["encap_content_info"]["content_type"].native
        return (
            signature.sig_object_type == "/Sig"
            and encapsulated == "data"
            and _chains_to_our_roots(signature)
        )
    except Exception:  # noqa: BLE001 - a malformed signature is not ours
        return False


def _embedded_signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    """The file's filled signature fields, each read on its own so that one malformed
    signature does not hide the others; in signing order."""
    found: list[EmbeddedPdfSignature] = []
    try:
        for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
            if len(found) >= MAX_SIGNATURES:
                break
            try:
                found.append(EmbeddedPdfSignature(reader, field_ref, name))
            except Exception:  # noqa: BLE001, S112 - a malformed signature: read the next one
                continue
    except Exception:  # noqa: BLE001 - a broken field tree: the signatures read so far
        logger.debug("upload check: the signature fields could not all be read")
    return sorted(found, key=lambda signature: signature.signed_revision)


def _signed_by_us(content: bytes) -> bool:
    """True if the file carries a signature whose certificate chains to our trust roots,
    whether or not the signed bytes are still intact."""
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
    except Exception:  # noqa: BLE001 - a damaged or hostile file is simply not ours
        return False
    return any(_is_ours(signature) for signature in _embedded_signatures(reader))


def _head_status(signature: EmbeddedPdfSignature) -> PdfSignatureStatus | None:
    """pyHanko's validation of a signature, with its default diff policy over what was
    appended after it; None when the signature cannot even be evaluated."""
    try:
        return asyncio.run(
            async_validate_pdf_signature(
                signature, signer_validation_context=_validation_context(signature)
            )
        )
    except Exception:  # noqa: BLE001 - unreadable: the caller reports the signature broken
        return None


# --- Tokens a file names ----------------------------------------------------------------------


def _literal_string(content: bytes, start: int, limit: int = 2000) -> str:
    """Decode a PDF literal string from ``start`` (just after its opening parenthesis)."""
    out = bytearray()
    depth, index = 1, start
    end = min(len(content), start + limit)
    while index < end:
        char = content[index : index + 1]
        if char == b"\\":
            following = content[index + 1 : index + 4]
            octal = re.match(rb"[0-7]{1,3}", following)
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                index += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(following[:1], following[:1])
            index += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                break
        out += char
        index += 1
    return out.decode("latin-1")


def tokens_in_signature_reasons(content: bytes) -> list[str]:
    """Verification tokens named in the signature dictionaries' /Reason, read from the raw
    bytes so that even a damaged file gives its origin away."""
    tokens = []
    for match in REASON.finditer(content):
        tokens += TOKEN_IN_REASON.findall(_literal_string(content, match.end()))
    return tokens


def _distinct(tokens: list[str]) -> list[str]:
    return list(dict.fromkeys(tokens))[:MAX_LETTERS_NAMED]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())[:MAX_WORDS]


def _pdf_text(content: bytes) -> str:
    """The text of the first pages, and the addresses of their links (bounded)."""
    parts: list[str] = []
    try:
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        for page in reader.pages[:MAX_TEXT_PAGES]:
            parts.append(page.extract_text()[:MAX_TEXT_CHARS])
            for annotation in list(page.get("/Annots") or [])[:MAX_OBJECTS_PER_UPDATE]:
                action = annotation.get_object().get("/A")
                if action is not None:
                    parts.append(str(action.get_object().get("/URI", "")))
    except Exception:  # noqa: BLE001 - a damaged file: whatever text was read
        logger.debug("upload check: the text could not all be read")
    return "\n".join(parts)[:MAX_TEXT_CHARS]


# --- The letters an upload may be -------------------------------------------------------------


@dataclass
class _Original:
    """One of our letters as we keep it, to compare an upload with."""

    letter: LetterRequest
    stored: bytes
    issued: bytes

    @classmethod
    def load(cls, letter: LetterRequest) -> "_Original | None":
        try:
            with letter.document.open("rb") as handle:
                stored = handle.read()
        except Exception:  # noqa: BLE001 - storage unreachable: judged without the original
            logger.warning("upload check: the stored PDF of letter %s could not be read", letter.pk)
            return None
        archive = LetterArchive.objects.filter(request=letter).first()
        for issued in (stored[: archive.issued_size] if archive else b"", stored):
            if issued and hashlib.sha256(issued).hexdigest() == letter.document_sha256:
                return cls(letter, stored, issued)
        return None

    @cached_property
    def signed_end(self) -> int | None:
        """Where the revision the head signed ends (its signature's byte range)."""
        try:
            reader = PdfFileReader(io.BytesIO(self.issued), strict=False)
            head = next(s for s in _embedded_signatures(reader) if s.sig_object_type == "/Sig")
            return int(head.byte_range[2]) + int(head.byte_range[3])
        except Exception:  # noqa: BLE001 - our own file; a letter without a signature
            return None

    @cached_property
    def words(self) -> list[str]:
        return _words(_pdf_text(self.issued))

    def shared_prefix(self, content: bytes) -> int | None:
        """How much of ``content`` is this letter as issued, or as the head signed it."""
        if content.startswith(self.issued):
            return len(self.issued)
        if self.signed_end and content.startswith(self.issued[: self.signed_end]):
            return self.signed_end
        return None

    def edited_in_place(self, content: bytes, block: int = 4096) -> bool:
        """The issued file with some bytes overwritten (a hex editor's work): same length,
        most blocks still equal."""
        if len(content) != len(self.issued):
            return False
        blocks = range(0, len(content), block)
        differing = sum(content[i : i + block] != self.issued[i : i + block] for i in blocks)
        return 0 < differing <= max(1, len(blocks) // 10)


def _letters(queryset: "models.QuerySet[LetterRequest]") -> list[LetterRequest]:
    return list(
        queryset.filter(status__in=_PUBLIC_STATUSES).select_related(
            "letter_type", "village__district"
        )[:MAX_LETTERS_NAMED]
    )


def _letters_by_prefix(content: bytes) -> list[LetterRequest]:
    """Issued letters whose file is a prefix of ``content`` ending at one of its %%EOF
    markers: one hash pass, whatever was appended."""
    ends = []
    for match in re.finditer(rb"%%EOF(\r\n|\r|\n)?", content):
        ends += [match.start() + 5, match.end()]
        if len(ends) >= 2 * MAX_REVISION_ENDS:
            break
    digests, hasher, done = [], hashlib.sha256(), 0
    for end in sorted(set(ends)):
        if end >= len(content):
            break
        hasher.update(content[done:end])
        done = end
        digests.append(hasher.copy().hexdigest())
    if not digests:
        return []
    return _letters(LetterRequest.objects.filter(document_sha256__in=digests))


@dataclass
class _Upload:
    content: bytes
    reader: PdfFileReader | None = None
    signatures: list[EmbeddedPdfSignature] = field(default_factory=list)
    _originals: dict[int, _Original | None] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, content: bytes) -> "_Upload":
        try:
            reader = PdfFileReader(io.BytesIO(content), strict=False)
        except Exception:  # noqa: BLE001 - unreadable as a PDF: judged by its bytes and text
            return cls(content)
        return cls(content, reader, _embedded_signatures(reader))

    @cached_property
    def reason_tokens(self) -> list[str]:
        return _distinct(tokens_in_signature_reasons(self.content))

    @cached_property
    def text(self) -> str:
        return _pdf_text(self.content)

    @cached_property
    def words(self) -> list[str]:
        return _words(self.text)

    @cached_property
    def text_tokens(self) -> list[str]:
        """Tokens in the pages' text or links, or anywhere in the file's own bytes."""
        in_text = TOKEN_IN_REASON.findall(re.sub(r"\s+", "", self.text))
        in_bytes = [token.decode() for token in TOKEN_IN_BYTES.findall(self.content)]
        return _distinct(in_text + in_bytes)

    def original_of(self, letter: LetterRequest) -> _Original | None:
        """The stored letter, read once per check."""
        if letter.pk not in self._originals:
            self._originals[letter.pk] = _Original.load(letter)
        return self._originals[letter.pk]

    @cached_property
    def ours(self) -> list[EmbeddedPdfSignature]:
        return [signature for signature in self.signatures if _is_ours(signature)]

    @property
    def signed_by_others(self) -> bool:
        return bool(self.signatures)

    def letter_signed_by(self, signature: EmbeddedPdfSignature) -> LetterRequest | None:
        """The letter that ``signature`` signed, by a token the file names and the signer's
        certificate recorded at issue."""
        try:
            fingerprint = signature.signer_cert.sha256.hex()
            reason = str(_get(signature.sig_object, "/Reason") or "")
        except Exception:  # noqa: BLE001 - a malformed signature names nothing
            return None
        tokens = TOKEN_IN_REASON.findall(reason) + self.reason_tokens + self.text_tokens
        letters = _letters(
            LetterRequest.objects.filter(
                verification_token__in=_distinct(tokens), certificate_fingerprint=fingerprint
            )
        )
        return letters[0] if letters else None


# --- What was done after the signed revision --------------------------------------------------

_LTV = "ltv"  # an update's object that belongs to long-term validation data
# What an update may change in the catalogue without changing the letter.
_CATALOG_LTV_KEYS = {"/DSS", "/AcroForm", "/Metadata", "/Extensions", "/Version"}
_RESOURCE_KEYS = {"/Font", "/XObject", "/ExtGState", "/ColorSpace", "/Pattern", "/Shading"}
_HIDDEN_FLAGS = 2 | 32  # Hidden, NoView


@dataclass
class _Updates:
    changes: set[Change] = field(default_factory=set)
    # Every update adds a DSS or a document timestamp: what an archive renewal does.
    validation_data_only: bool = True


def _revision_at(reader: PdfFileReader, offset: int) -> int | None:
    """The last revision that ends within the first ``offset`` bytes."""
    found = None
    for revision in range(reader.xrefs.total_revisions):
        if reader.xrefs.get_xref_container_info(revision).end_location <= offset:
            found = revision
    return found


def _updates_after(reader: PdfFileReader, revision: int) -> _Updates:
    """Read each incremental update after ``revision`` and name what it does."""
    updates = _Updates()
    total = reader.xrefs.total_revisions
    if total - revision - 1 > MAX_UPDATES:
        updates.changes.add(Change.OTHER)
    for later in range(revision + 1, min(total, revision + 1 + MAX_UPDATES)):
        refs = reader.xrefs.explicit_refs_in_revision(later)
        if len(refs) > MAX_OBJECTS_PER_UPDATE or reader.xrefs.refs_freed_in_revision(later):
            updates.changes.add(Change.OTHER)
            updates.validation_data_only = False
            continue
        try:
            context = _UpdateContext.of(reader, later)
        except Exception:  # noqa: BLE001 - an update whose catalogue cannot be read
            updates.changes.add(Change.OTHER)
            continue
        kinds: set[Change | str] = set()
        for ref in refs:
            try:
                kinds |= context.kinds(ref)
            except Exception:  # noqa: BLE001 - an object that cannot be read is a change
                kinds.add(Change.OTHER)
        updates.validation_data_only &= _LTV in kinds
        updates.changes |= {kind for kind in kinds if isinstance(kind, Change)}
    return updates


@dataclass
class _UpdateContext:
    reader: PdfFileReader
    revision: int
    info: Any
    validation_refs: set[tuple[int, int]]

    @classmethod
    def of(cls, reader: PdfFileReader, revision: int) -> "_UpdateContext":
        trailer = reader.trailer.flatten(revision)
        root = reader.get_historical_root(revision)
        return cls(reader, revision, _ref(_raw(trailer, "/Info")), _dss_refs(root))

    def kinds(self, ref: generic.Reference) -> set[Change | str]:
        if (ref.idnum, ref.generation) == self.info:
            return set()
        if (ref.idnum, ref.generation) in self.validation_refs:
            return {_LTV}
        obj = self.reader.get_object(ref, revision=self.revision)
        existed = self.reader.xrefs.get_introducing_revision(ref) < self.revision
        before = self.reader.get_object(ref, revision=self.revision - 1) if existed else None
        if isinstance(obj, generic.StreamObject):
            # New streams count through what uses them (page contents, appearances, DSS);
            # one the letter had, rewritten, changes what is shown.
            return {Change.CONTENT} if existed and _get(obj, "/Type") != "/Metadata" else set()
        if not isinstance(obj, generic.DictionaryObject):
            return {Change.OTHER} if existed else set()
        return _dictionary_kinds(obj, before)


def _ref(value: Any) -> tuple[int, int] | None:
    if isinstance(value, generic.IndirectObject):
        return value.idnum, value.generation
    return None


def _dss_refs(root: generic.DictionaryObject) -> set[tuple[int, int]]:
    """The objects of the document security store (the dictionary, its arrays, its VRI)."""
    dss_ref = _raw(root, "/DSS")
    if dss_ref is None:
        return set()
    dss = dss_ref.get_object()
    vri = _get(dss, "/VRI") or generic.DictionaryObject()
    values = [dss_ref, *(_raw(dss, key) for key in ("/Certs", "/OCSPs", "/CRLs", "/VRI"))]
    values += [_raw(vri, key) for key in list(vri)[:MAX_OBJECTS_PER_UPDATE]]
    return {ref for ref in map(_ref, values) if ref is not None}


def _raw(obj: generic.DictionaryObject, key: str) -> Any:
    """A dictionary's value as written, references not followed (None when absent)."""
    return dict.get(obj, key)


def _get(obj: Any, key: str) -> Any:
    """A dictionary's value, a reference followed (None when absent or not a dictionary)."""
    value = dict.get(obj, key) if isinstance(obj, dict) else None
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _changed_keys(obj: generic.DictionaryObject, before: generic.DictionaryObject) -> set[str]:
    return {key for key in set(obj) | set(before) if _raw(obj, key) != _raw(before, key)}


def _dictionary_kinds(
    obj: generic.DictionaryObject, before: generic.DictionaryObject | None
) -> set[Change | str]:
    """What a dictionary written by an update is about (``before``: its earlier value)."""
    if _get(obj, "/Subtype") == "/Widget" or "/FT" in obj:
        return _field_kinds(obj, before)
    type_ = str(_get(obj, "/Type"))
    if type_ in _KIND_OF_TYPE:
        return {_KIND_OF_TYPE[type_]}
    by_type = _KINDS_BY_TYPE.get(type_)
    if by_type is not None:
        return by_type(obj, before)
    if "/Subtype" in obj and "/Rect" in obj:  # an annotation without its /Type
        return {Change.ANNOTATION}
    if before is None or "/Fields" in obj:  # a new object, or the form's list of fields
        return set()
    return {Change.CONTENT} if set(obj) & _RESOURCE_KEYS else {Change.OTHER}


def _catalog_kinds(
    obj: generic.DictionaryObject, before: generic.DictionaryObject | None
) -> set[Change | str]:
    changed = _changed_keys(obj, before) if before is not None else set(obj)
    return {Change.OTHER} if changed - _CATALOG_LTV_KEYS else set()


def _rewritten_is_content(
    obj: generic.DictionaryObject, before: generic.DictionaryObject | None
) -> set[Change | str]:
    """A font, image or graphics state the letter had, written again."""
    return {Change.CONTENT} if before is not None else set()


def _page_kinds(
    obj: generic.DictionaryObject, before: generic.DictionaryObject | None
) -> set[Change | str]:
    """A new page, or one whose content or resources changed; annotations are counted on
    their own objects, except those written into the page itself."""
    if before is None:
        return {Change.CONTENT}
    changed = _changed_keys(obj, before)
    kinds: set[Change | str] = set()
    if changed - {"/Annots"}:
        kinds.add(Change.CONTENT)
    if "/Annots" in changed and any(
        not isinstance(annotation, generic.IndirectObject)
        for annotation in _raw(obj, "/Annots") or ()
    ):
        kinds.add(Change.ANNOTATION)
    return kinds


def _field_type(obj: generic.DictionaryObject) -> Any:
    for _depth in range(MAX_FIELD_DEPTH):
        if "/FT" in obj:
            return _get(obj, "/FT")
        parent = _get(obj, "/Parent")
        if not isinstance(parent, generic.DictionaryObject):
            return None
        obj = parent
    return None


def _paints(widget: generic.DictionaryObject) -> bool:
    """Whether a widget shows something on the page: a visible box with an appearance."""
    try:
        x1, y1, x2, y2 = (float(value) for value in _get(widget, "/Rect") or (0, 0, 0, 0))
        flags = int(_get(widget, "/F") or 0)
    except (TypeError, ValueError):
        return True
    appearance = _get(_get(widget, "/AP"), "/N")
    if abs(x2 - x1) < 1 or abs(y2 - y1) < 1 or flags & _HIDDEN_FLAGS or appearance is None:
        return False
    if isinstance(appearance, generic.StreamObject):
        return bool(appearance.data.strip())
    return True  # appearance states: assume they show something


def _field_kinds(
    obj: generic.DictionaryObject, before: generic.DictionaryObject | None
) -> set[Change | str]:
    if _field_type(obj) != "/Sig":
        return {Change.FORM}
    is_timestamp = _get(_get(obj, "/V"), "/Type") == "/DocTimeStamp"
    appearance_changed = before is None or _raw(obj, "/AP") != _raw(before, "/AP")
    kinds: set[Change | str] = set()
    if appearance_changed and "/Rect" in obj and _paints(obj):
        kinds.add(Change.OVERLAY)
    if is_timestamp and not kinds:
        return {_LTV}
    if not is_timestamp and (before is None or _raw(obj, "/V") != _raw(before, "/V")):
        kinds.add(Change.SIGNATURE)
    return kinds


_KIND_OF_TYPE: dict[str, Change | str] = {
    "/DocTimeStamp": _LTV,
    "/Sig": Change.SIGNATURE,
    "/Annot": Change.ANNOTATION,
}
_KINDS_BY_TYPE = {
    "/Catalog": _catalog_kinds,
    "/Page": _page_kinds,
    "/Pages": _page_kinds,
    "/Font": _rewritten_is_content,
    "/FontDescriptor": _rewritten_is_content,
    "/XObject": _rewritten_is_content,
    "/ExtGState": _rewritten_is_content,
}


def _unexplained_tail(content: bytes, reader: PdfFileReader) -> bool:
    """Bytes after the last update that are not its end (a comment, anything appended
    without an update)."""
    last = content.rfind(b"startxref")
    tail = re.fullmatch(rb"startxref\s+(\d+)\s+%%EOF\s*", content[last:]) if last >= 0 else None
    declared = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    return tail is None or int(tail.group(1)) != declared


# --- The check ------------------------------------------------------------------------------


def letter_check_upload(content: bytes) -> UploadCheck:
    """What this file is: one of our letters (as issued, with validation data added, changed,
    or copied), a file naming one of them, or nothing of ours. See the module docstring."""
    with _pyhanko_quiet():
        try:
            return _check(content)
        except DatabaseError:
            raise
        except Exception as error:  # noqa: BLE001 - a hostile file got past every guard
            logger.warning(
                "upload check: the file could not be examined (%s)", type(error).__name__
            )
            return _result(Outcome.UNKNOWN, None)


def _check(content: bytes) -> UploadCheck:
    """The outcomes in the order of the module docstring: by hash, by the letter the file
    starts with, by a signature of ours, by the letter its text names."""
    digest = hashlib.sha256(content).hexdigest()
    issued = _letters(LetterRequest.objects.filter(document_sha256=digest))
    if issued:
        return _result(Outcome.ORIGINAL, issued[0])
    renewed = _letters(LetterRequest.objects.filter(archive__current_sha256=digest))
    if renewed:
        return _result(Outcome.ORIGINAL_LTV, renewed[0])
    if b"%PDF-" not in content[:1024]:
        return _result(Outcome.UNKNOWN, None)
    upload = _Upload.read(content)
    candidates = _letters_by_prefix(content) + _named_letters(upload.reason_tokens)
    for letter in _distinct_letters(candidates):
        original = upload.original_of(letter)
        base = original.shared_prefix(content) if original else None
        if original is not None and base is not None:
            return _after_issue(upload, original, base)
    if upload.ours:
        return _changed_signature(upload, upload.ours[0])
    named = _distinct_letters(candidates + _named_letters(upload.text_tokens))
    return _by_text(upload, named)


def _named_letters(tokens: list[str]) -> list[LetterRequest]:
    return _letters(LetterRequest.objects.filter(verification_token__in=tokens)) if tokens else []


def _distinct_letters(letters: list[LetterRequest]) -> list[LetterRequest]:
    first: dict[int, LetterRequest] = {}
    for letter in letters:
        first.setdefault(letter.pk, letter)
    return list(first.values())[:MAX_LETTERS_NAMED]


def _after_issue(upload: _Upload, original: _Original, base: int) -> UploadCheck:
    """The file starts as the letter was issued (or signed): what follows is either only
    long-term validation data, or a change."""
    letter, reader = original.letter, upload.reader
    revision = _revision_at(reader, base) if reader is not None else None
    if reader is None or revision is None:
        return _result(Outcome.CHANGED, letter, {Change.OTHER})
    changes: set[Change] = set()
    if _unexplained_tail(upload.content, reader):
        changes.add(Change.OTHER)
    if revision == reader.xrefs.total_revisions - 1:
        # No update after it: the letter as the head signed it (its archive data cut off),
        # or as issued with something appended that is no update at all.
        return _result(Outcome.CHANGED if changes else Outcome.ORIGINAL, letter, changes)
    updates = _updates_after(reader, revision)
    changes |= updates.changes
    later = [s for s in upload.signatures if s.signed_revision > revision]
    if any(signature.sig_object_type != "/DocTimeStamp" for signature in later):
        changes.add(Change.SIGNATURE)
    head = next((s for s in upload.signatures if s.sig_object_type == "/Sig"), None)
    status = _head_status(head) if head is not None else None
    if not changes and not _only_validation_data(status):
        changes.add(Change.OTHER)
    if changes or not updates.validation_data_only:
        return _result(Outcome.CHANGED, letter, changes or {Change.OTHER})
    return _result(Outcome.ORIGINAL_LTV, letter)


def _only_validation_data(status: PdfSignatureStatus | None) -> bool:
    return bool(
        status is not None
        and status.intact
        and status.docmdp_ok
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
    )


def _changed_signature(upload: _Upload, signature: EmbeddedPdfSignature) -> UploadCheck:
    """A signature of ours that is not (or not only) over one of our issued letters."""
    status = _head_status(signature)
    changes: set[Change] = set()
    if status is None or not (status.intact and status.valid):
        changes.add(Change.SIGNATURE_BROKEN)
    if upload.reader is not None:
        changes |= _updates_after(upload.reader, signature.signed_revision).changes
    if any(
        s.sig_object_type != "/DocTimeStamp" and s.signed_revision > signature.signed_revision
        for s in upload.signatures
    ):
        changes.add(Change.SIGNATURE)
    if not changes:
        changes.add(Change.OTHER)
    return _result(Outcome.CHANGED, upload.letter_signed_by(signature), changes)


def _by_text(upload: _Upload, named: list[LetterRequest]) -> UploadCheck:
    """No signature of ours: a copy of the letter it names, a file naming a letter it is
    not, or nothing of ours. A letter whose original cannot be read is not judged."""
    foreign = {Change.FOREIGN_SIGNATURE} if upload.signed_by_others else set()
    compared = []
    for letter in named:
        original = upload.original_of(letter)
        if original is None:
            continue
        compared.append(letter)
        if original.edited_in_place(upload.content):
            return _result(Outcome.CHANGED, letter, {Change.SIGNATURE_BROKEN})
        if letter.verification_token in upload.text_tokens and _same_text(upload, original):
            return _result(Outcome.COPY, letter, foreign | _copy_changes(upload, original))
    if compared:
        return _result(Outcome.FOREIGN, compared[0], foreign)
    return _result(Outcome.UNKNOWN, None)


def _copy_changes(upload: _Upload, original: _Original) -> set[Change]:
    changes = set()
    if original.signed_end and original.issued[: original.signed_end].startswith(upload.content):
        changes.add(Change.SIGNATURE_REMOVED)  # the letter as rendered, before the signature
    if upload.words != original.words:
        changes.add(Change.TEXT_DIFFERS)
    return changes


def _same_text(upload: _Upload, original: _Original) -> bool:
    """The upload's text is the letter's: its number and applicant, and (nearly) every word
    of the stored original in order."""
    text = f" {' '.join(upload.words)} "
    letter = original.letter
    for named in (letter.letter_number, letter.applicant_name):
        if f" {' '.join(_words(named))} " not in text:  # whole words only
            return False
    matcher = difflib.SequenceMatcher(None, upload.words, original.words, autojunk=False)
    return matcher.quick_ratio() >= SAME_TEXT and matcher.ratio() >= SAME_TEXT


# --- Keeping the file's contents out of the logs ----------------------------------------------

_QUIET = contextvars.ContextVar("upload_check_quiet", default=False)


class _QuietDuringUploadCheck(logging.Filter):
    """pyHanko's warnings name the subjects of certificates it could not validate: in an
    uploaded file, those are anybody's names."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _QUIET.get()


_QUIET_FILTER = _QuietDuringUploadCheck()


@contextmanager
def _pyhanko_quiet() -> Iterator[None]:
    for name, logger_ in list(logging.Logger.manager.loggerDict.items()):
        if (
            name.startswith(("pyhanko", "pypdf"))
            and isinstance(logger_, logging.Logger)
            and _QUIET_FILTER not in logger_.filters
        ):
            logger_.addFilter(_QUIET_FILTER)
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)
