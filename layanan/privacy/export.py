"""The "Data Saya" export in its three forms: JSON (for programs), a readable PDF (Typst,
like the letters) and a ZIP holding both with the resident's KTP and KK files.

All three are built from one ``selectors.resident_data`` dictionary, so they hold the same.
The PDF, and the register's sheet of a letter whose owner closed their account, are set from
JSON data by the templates in ./typst: nothing typed by anyone is evaluated as markup.
"""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import typst
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from layanan.accounts.models import User
from layanan.documents.rendering import FONTS_DIR
from layanan.letters.models import LetterRequest
from layanan.privacy.selectors import identity_document_files, resident_data

TYPST_DIR = Path(__file__).resolve().parent / "typst"


class ExportError(RuntimeError):
    """A template failed to compile: a bug, never the data."""


def _date(value: str | None) -> str:
    if not value:
        return "-"
    return formats.date_format(dt.date.fromisoformat(value[:10]), "DATE_FORMAT")


def _moment(value: str | None) -> str:
    """'06 November 2022 pukul 14.05 WIB' from an ISO time."""
    if not value:
        return "-"
    local = timezone.localtime(dt.datetime.fromisoformat(value))
    return f"{formats.date_format(local.date(), 'DATE_FORMAT')} pukul {local:%H.%M} WIB"


def _text(value: object) -> str:
    return "-" if value in (None, "") else str(value)


def _by(person: dict[str, str] | None) -> str:
    if person is None:
        return _("You")
    parts = [person["name"], person["role"], person["village"]]
    return ", ".join(part for part in parts if part)


def _account_section(data: dict[str, Any]) -> dict[str, Any]:
    account = data["account"]
    return {
        "title": _("Account"),
        "rows": [
            [_("NIK"), account["nik"]],
            [_("Full name"), _text(account["full_name"])],
            [_("Email"), _text(account["email"])],
            [_("Email confirmed at"), _moment(account["email_confirmed_at"])],
            [_("Registered at"), _moment(account["registered_at"])],
            [_("Last login"), _moment(account["last_login"])],
        ],
    }


def _profile_section(data: dict[str, Any]) -> dict[str, Any]:
    profile = data["profile"]
    if profile is None:
        return {"title": _("Profile"), "note": _("No profile.")}
    documents = profile["identity_documents"]
    return {
        "title": _("Profile"),
        "rows": [
            [_("Place of birth"), _text(profile["birth_place"])],
            [_("Date of birth"), _date(profile["birth_date"])],
            [_("Sex"), _text(profile["sex"])],
            [_("Address as on the KTP"), _text(profile["address"])],
            [_("RT / RW"), f"{_text(profile['rt'])} / {_text(profile['rw'])}"],
            [_("Mobile phone"), _text(profile["phone"])],
            [_("KK number"), _text(profile["kk_number"])],
            [_("Education"), _text(profile["education"])],
            [_("Marital status"), _text(profile["marital_status"])],
            [_("Religion"), _text(profile["religion"])],
            [_("Occupation"), _text(profile["occupation"])],
            [_("Citizenship"), _text(profile["citizenship"])],
            [_("Desa/Kelurahan"), _text(profile["village"])],
            [_("Kecamatan"), _text(profile["kecamatan"])],
            [_("Verification status"), profile["verification_status"]],
            [_("Reason for rejection"), _text(profile["rejection_reason"])],
            [_("Status changed at"), _moment(profile["status_changed_at"])],
            [_("Submitted for verification at"), _moment(profile["submitted_at"])],
            [
                _("KTP and KK files"),
                ", ".join(documents) + " " + _("(in the ZIP download)")
                if documents
                else _("None kept."),
            ],
        ],
    }


def _request_part(request: dict[str, Any]) -> dict[str, Any]:
    applicant = request["applicant"]
    rows = [
        [_("Letter type"), request["letter_type"]],
        [_("Desa/Kelurahan"), request["village"]],
        [_("Channel"), request["channel"]],
        [_("Status"), request["status"]],
        [_("Submitted at"), _moment(request["submitted_at"])],
        [_("NIK"), _text(applicant["nik"])],
        [_("Full name"), _text(applicant["name"])],
        [
            _("Place, date of birth"),
            f"{_text(applicant['birth_place'])}, {_date(applicant['birth_date'])}",
        ],
        [_("Address"), _text(applicant["address"])],
    ]
    if request["status_note"]:
        rows.append([_("Reason"), request["status_note"]])
    tables = []
    for answer in request["answers"]:
        if "headers" in answer:
            tables.append(
                {"caption": answer["label"], "headers": answer["headers"], "rows": answer["rows"]}
            )
        else:
            rows.append([answer["label"], _text(answer["value"])])
    letter = request["letter"]
    if letter is not None:
        rows += [
            [_("Letter no."), letter["number"]],
            [_("Issued on"), _moment(letter["issued_at"])],
            [_("Valid"), f"{_date(letter['valid_from'])} s.d. {_date(letter['valid_until'])}"],
            [_("Signed by"), f"{letter['signer']}, {letter['signer_title']}"],
            [_("Verification page"), letter["verification_url"]],
            [_("The signed PDF (for you, logged in)"), letter["pdf_url"]],
        ]
    tables.append(
        {
            "caption": _("Steps"),
            "headers": [_("Time"), _("Step"), _("Note"), _("By")],
            "rows": [
                [_moment(e["time"]), e["action"], _text(e["note"]), _by(e["by"])]
                for e in request["events"]
            ],
        }
    )
    title = f"{request['registration_number']}: {request['letter_type']}"
    return {"title": title, "rows": rows, "tables": tables}


def _sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _account_section(data),
        _profile_section(data),
        {
            "title": _("Requests and letters"),
            "note": "" if data["requests"] else _("No requests."),
            "parts": [_request_part(request) for request in data["requests"]],
        },
        {
            "title": _("Emails sent to you"),
            "note": _("The text of an email is erased once it has been sent."),
            "tables": [
                {
                    "headers": [_("Time"), _("Subject"), _("Status")],
                    "rows": [
                        [_moment(e["time"]), e["subject"], e["status"]] for e in data["emails"]
                    ],
                }
            ],
        },
        {
            "title": _("Who of the staff opened your data"),
            "note": _(
                "Every time a member of staff opens your profile, KTP or KK, it is recorded."
            ),
            "tables": [
                {
                    "headers": [_("Time"), _("What"), _("By")],
                    "rows": [
                        [_moment(e["time"]), _access_what(e), _by(e["by"])]
                        for e in data["access_log"]
                    ],
                }
            ],
        },
        {
            "title": _("Other records about you in the audit log"),
            "tables": [
                {
                    "headers": [_("Time"), _("Action"), _("By")],
                    "rows": [
                        [_moment(e["time"]), e["action"], _by(e["by"])] for e in data["audit"]
                    ],
                }
            ],
        },
        {
            "title": _("Your correction requests"),
            "tables": [
                {
                    "headers": [
                        _("Asked at"),
                        _("What is wrong"),
                        _("What it should be"),
                        _("Status"),
                        _("Note"),
                    ],
                    "rows": [
                        [
                            _moment(c["asked_at"]),
                            c["what_is_wrong"],
                            c["should_be"],
                            c["status"],
                            _text(c["note"]),
                        ]
                        for c in data["corrections"]
                    ],
                }
            ],
        },
    ]


def _access_what(entry: dict[str, Any]) -> str:
    document = entry["document"]
    if document:
        return document.upper()
    return _("Profile")


def _compile(template: str, data: dict[str, Any]) -> bytes:
    try:
        pdf = typst.compile(
            TYPST_DIR / template,
            root=TYPST_DIR,
            font_paths=[FONTS_DIR],
            ignore_system_fonts=True,
            format="pdf",
            sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        )
    except typst.TypstError as error:
        raise ExportError(str(error)) from error
    if not isinstance(pdf, bytes):
        raise ExportError("Typst returned no PDF")
    return pdf


def export_json(user: User) -> bytes:
    return json.dumps(resident_data(user), ensure_ascii=False, indent=2).encode()


def _pdf_from(data: dict[str, Any]) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        document = {
            "title": _("My data: what Layanan Desa Mandiri holds about you"),
            "intro": [
                _("Made on %(moment)s for NIK %(nik)s.")
                % {"moment": _moment(data["generated_at"]), "nik": data["account"]["nik"]},
                _(
                    "This document holds your personal data as the system keeps it. See the "
                    "privacy notice (Kebijakan Privasi) for why it is kept and for how long."
                ),
            ],
            "footer": _("Data Saya, Layanan Desa Mandiri"),
            "none": _("None."),
            "sections": _sections(data),
        }
        return _compile("export.typ", document)


def export_pdf(user: User) -> bytes:
    return _pdf_from(resident_data(user))


def export_zip(user: User) -> bytes:
    """data.json, data-saya.pdf and the KTP and KK files, in one archive."""
    data = resident_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("data-saya.pdf", _pdf_from(data))
        profile = getattr(user, "profile", None)
        if profile is not None:
            for name, file in identity_document_files(profile):
                with file.open("rb") as handle:
                    archive.writestr(name, handle.read())
    return buffer.getvalue()


def erased_letter_pdf(letter: LetterRequest, *, erased_on: dt.date) -> bytes:
    """The sheet the register keeps in place of a letter whose owner closed their account:
    the letter's facts, none of the applicant's data."""
    with translation.override(settings.LANGUAGE_CODE):
        issued = timezone.localtime(letter.issued_at).date() if letter.issued_at else None
        document = {
            "title": _("%(type)s no. %(number)s")
            % {"type": letter.letter_type.name, "number": letter.letter_number},
            "explanation": _(
                "The applicant's data in this letter was erased at the owner's request on "
                "%(date)s. The village's register keeps only the facts below; the letter can "
                "still be checked through its QR code."
            )
            % {"date": formats.date_format(erased_on, "DATE_FORMAT")},
            "rows": [
                [_("Letter type"), letter.letter_type.name],
                [_("Letter no."), letter.letter_number],
                [_("Registration no."), letter.registration_number],
                [_("Desa/Kelurahan"), str(letter.village)],
                [_("Issued on"), formats.date_format(issued, "DATE_FORMAT") if issued else "-"],
                [_("Signed by"), f"{letter.signer_name}, {letter.signer_title}"],
                [_("Status"), str(letter.get_status_display())],
                [_("SHA-256 of the issued PDF"), letter.document_sha256],
            ],
        }
        return _compile("letter_erased.typ", document)
