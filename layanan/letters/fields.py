"""A letter type's own form fields, declared as data (DESIGN.md section 4).

A type's ``fields`` is a list of plain dicts (from the catalogue file, later from the
district admin's editor). This module checks such a schema, builds the Django form that
asks for it, turns the answers into JSON, and turns stored JSON back into labelled rows for
pages and letters. "Keperluan" is not part of any schema: every type gets it, last.
"""

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from layanan.accounts.nik import nik_facts, normalise_nik

KINDS = ("text", "textarea", "number", "year", "date", "choice", "group")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A year field asks for four digits, from 1900 (or the field's own "min") up to this year (or
# its own "max"): the year something began or happened, not a quantity.
EARLIEST_YEAR = 1900
KEPERLUAN = "keperluan"
BLANK_GROUP_ROWS = 2


class SchemaError(ValueError):
    """A letter type's field list is not well formed."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str
    required: bool = True
    help: str = ""
    max_length: int | None = None
    format: str = ""
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()
    fields: tuple["FieldSpec", ...] = field(default=())
    min_items: int = 0
    max_items: int = 20

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


def keperluan_spec() -> FieldSpec:
    return FieldSpec(
        name=KEPERLUAN,
        label=_("Purpose"),
        kind="text",
        max_length=200,
        help=_("What the letter is for, e.g. applying for a business licence."),
    )


def _spec(raw: dict, *, nested: bool) -> FieldSpec:
    name = raw.get("name", "")
    if not NAME.match(name) or name == KEPERLUAN:
        raise SchemaError(f"bad field name {name!r}")
    kind = raw.get("kind")
    if kind not in KINDS or (nested and kind == "group"):
        raise SchemaError(f"{name}: bad kind {kind!r}")
    label = raw.get("label", "")
    if not label or len(label) > 60:
        raise SchemaError(f"{name}: a label of 1 to 60 characters is needed")
    choices = tuple(raw.get("choices", ()))
    if kind == "choice" and (len(choices) < 2 or not all(choices)):
        raise SchemaError(f"{name}: a choice needs at least two options")
    if kind == "year" and not all(
        bound is None or (isinstance(bound, int) and 1000 <= bound <= 9999)
        for bound in (raw.get("min"), raw.get("max"))
    ):
        raise SchemaError(f"{name}: a year's min and max are years of four digits")
    subfields: tuple[FieldSpec, ...] = ()
    if kind == "group":
        subfields = tuple(_spec(sub, nested=True) for sub in raw.get("fields", ()))
        if not subfields:
            raise SchemaError(f"{name}: a group needs fields")
        if len({s.name for s in subfields}) != len(subfields):
            raise SchemaError(f"{name}: duplicate field names in the group")
    min_items, max_items = int(raw.get("min_items", 0)), int(raw.get("max_items", 20))
    if not 0 <= min_items <= max_items <= 50:
        raise SchemaError(f"{name}: bad item limits")
    return FieldSpec(
        name=name,
        label=label,
        kind=kind,
        required=bool(raw.get("required", True)),
        help=raw.get("help", ""),
        max_length=raw.get("max_length"),
        format=raw.get("format", ""),
        min=raw.get("min"),
        max=raw.get("max"),
        choices=choices,
        fields=subfields,
        min_items=min_items,
        max_items=max_items,
    )


def parse_schema(raw: list[dict]) -> list[FieldSpec]:
    """The type's own fields, checked; raises SchemaError."""
    specs = [_spec(item, nested=False) for item in raw or ()]
    if len({s.name for s in specs}) != len(specs):
        raise SchemaError("duplicate field names")
    return specs


def request_specs(raw: list[dict]) -> list[FieldSpec]:
    """The type's fields followed by Keperluan: what a request asks for."""
    return [*parse_schema(raw), keperluan_spec()]


# --- Forms -------------------------------------------------------------------------------


def _validate_nik(value: str) -> None:
    nik_facts(value)


class _CommonFieldArgs(TypedDict):
    label: str
    required: bool
    help_text: str


def _form_field(spec: FieldSpec) -> forms.Field:
    common: _CommonFieldArgs = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.help,
    }
    if spec.kind == "textarea":
        return forms.CharField(
            max_length=spec.max_length or 1000, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if spec.kind in ("number", "year"):
        return _whole_number_field(spec, common)
    if spec.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == "choice":
        options = [("", _("Choose")), *((c, c) for c in spec.choices)]
        return forms.ChoiceField(choices=options, **common)
    if spec.format == "nik":
        return NikField(**common)
    return forms.CharField(max_length=spec.max_length or 200, **common)


def _whole_number_field(spec: FieldSpec, common: _CommonFieldArgs) -> forms.IntegerField:
    if spec.kind == "year":
        earliest, latest = year_range(spec)
        return YearField(earliest=earliest, latest=latest, **common)
    return forms.IntegerField(min_value=spec.min, max_value=spec.max, **common)


def year_range(spec: FieldSpec) -> tuple[int, int]:
    """The years a year field accepts: its own min and max, or 1900 up to this year."""
    latest = spec.max if spec.max is not None else timezone.localdate().year
    return (spec.min if spec.min is not None else EARLIEST_YEAR, latest)


class YearField(forms.IntegerField):
    """A year of four digits between two years. Its value is an int, shown as the four
    digits typed, never as a quantity ("2016", not "2.016")."""

    def __init__(self, *, earliest: int, latest: int, **kwargs: Any) -> None:
        message = _("Enter a year of four digits, from %(earliest)s to %(latest)s.") % {
            "earliest": earliest,
            "latest": latest,
        }
        super().__init__(
            min_value=earliest,
            max_value=latest,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            error_messages={"invalid": message, "min_value": message, "max_value": message},
            **kwargs,
        )

    def to_python(self, value: Any) -> int | None:
        # "2.016" or "2,016" is a year typed as a quantity (a phone keyboard's habit).
        if isinstance(value, str):
            value = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        return super().to_python(value)


class NikField(forms.CharField):
    """Another person's NIK: 16 digits that read as a NIK."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=20,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            **kwargs,
        )

    def to_python(self, value: Any) -> str:
        return normalise_nik(super().to_python(value) or "")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            _validate_nik(value)


def _plain_form_class(specs: list[FieldSpec]) -> type[forms.Form]:
    attrs = {spec.name: _form_field(spec) for spec in specs if not spec.is_group}
    return type("LetterFieldsForm", (forms.Form,), attrs)


class _GroupFormSet(forms.BaseFormSet):
    """A group's rows. Every row is an "extra" form, the stored rows prefilled in the first
    ones when the form is shown: a posted row then counts by what it holds. (As Django's
    "initial" forms, a row posted back unchanged would count as not filled in, and be left
    out of the answers: accepting a request would lose its rows.)"""

    spec: FieldSpec  # set on each class formset_factory makes, see LetterDataForm

    def initial_form_count(self) -> int:
        return 0

    def clean(self) -> None:
        super().clean()
        filled = [
            f
            for f in self.forms
            # django-stubs lacks BaseFormSet._should_delete_form (a real Django method).
            if f.has_changed() and not self._should_delete_form(f)  # type: ignore[attr-defined]
        ]
        spec = self.spec
        if len(filled) < spec.min_items:
            raise ValidationError(
                _("Fill in at least %(count)s rows of %(label)s.")
                % {"count": spec.min_items, "label": spec.label}
            )
        if len(filled) > spec.max_items:
            raise ValidationError(
                _("%(label)s has at most %(count)s rows.")
                % {"count": spec.max_items, "label": spec.label}
            )


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class LetterDataForm:
    """The type's fields as one form plus one formset per repeatable group."""

    prefix = "isian"

    def __init__(
        self,
        specs: list[FieldSpec],
        data=None,
        *,
        initial: dict | None = None,
        extra_rows: dict | None = None,
    ):
        self.specs = specs
        self.is_bound = data is not None
        initial = initial or {}
        plain = [s for s in specs if not s.is_group]
        self.form = _plain_form_class(plain)(
            data, initial={s.name: initial.get(s.name) for s in plain}, prefix=self.prefix
        )
        self.groups: dict[str, forms.BaseFormSet] = {}
        for spec in (s for s in specs if s.is_group):
            rows = initial.get(spec.name) or []
            blank = BLANK_GROUP_ROWS + (extra_rows or {}).get(spec.name, 0)
            # formset_factory subclasses the formset given; the stubs type it as the base.
            formset_class = cast(
                type[_GroupFormSet],
                forms.formset_factory(
                    _plain_form_class(list(spec.fields)),
                    formset=_GroupFormSet,
                    extra=len(rows) + max(blank, spec.min_items - len(rows)),
                    max_num=spec.max_items,
                    absolute_max=spec.max_items,
                ),
            )
            formset_class.spec = spec
            # Posted rows are judged by what they hold, never against the stored ones.
            self.groups[spec.name] = formset_class(
                data, initial=None if self.is_bound else rows, prefix=f"{self.prefix}-{spec.name}"
            )

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.groups.values():
            valid = formset.is_valid() and valid
        return valid

    def cleaned_data(self) -> dict:
        """The answers as JSON-ready values, in the schema's order."""
        values: dict[str, Any] = {}
        for spec in self.specs:
            if spec.is_group:
                formset = self.groups[spec.name]
                values[spec.name] = [
                    {k: _json_value(v) for k, v in f.cleaned_data.items()}
                    for f in formset.forms
                    if f.has_changed() and f.cleaned_data
                ]
            else:
                value = self.form.cleaned_data.get(spec.name)
                values[spec.name] = _json_value(value) if value not in (None, "") else ""
        return values

    def items(self):
        """(spec, bound field or formset) in order, for templates."""
        for spec in self.specs:
            yield spec, self.groups[spec.name] if spec.is_group else self.form[spec.name]


def raw_group_rows(post, spec: FieldSpec, prefix: str = LetterDataForm.prefix) -> list[dict]:
    """The rows a person typed so far (uncleaned), to re-show them with one more blank row."""
    total = post.get(f"{prefix}-{spec.name}-TOTAL_FORMS", "0")
    count = min(int(total) if total.isdigit() else 0, spec.max_items)
    rows = []
    for index in range(count):
        row = {s.name: post.get(f"{prefix}-{spec.name}-{index}-{s.name}", "") for s in spec.fields}
        if any(row.values()):
            rows.append(row)
    return rows


# --- Display -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DisplayRow:
    label: str
    value: str = ""
    name: str = ""
    table_headers: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_table(self) -> bool:
        return bool(self.table_headers)


_WORD = re.compile(r"[a-z0-9]+")


def _words(spec: FieldSpec) -> set[str]:
    return set(_WORD.findall(spec.name.lower())) | set(_WORD.findall(spec.label.lower()))


# Words in a number field's name or label that tell it is a year, a code or an identifier:
# written as its digits, never grouped as a quantity ("2016", "57211", not "2.016").
_IDENTIFIER_WORDS = frozenset(
    {
        "tahun",
        "year",
        "nomor",
        "no",
        "kode",
        "code",
        "nik",
        "kk",
        "nkk",
        "nip",
        "npwp",
        "rt",
        "rw",
        "pos",
        "telepon",
        "telp",
        "hp",
    }
)


# Words that make a number an amount even beside one of those ("Penghasilan per Tahun (Rp)").
_AMOUNT_WORDS = frozenset({"rp", "harga", "biaya", "nilai", "luas", "jumlah", "berat"})


def is_quantity(spec: FieldSpec) -> bool:
    """Whether a field's whole numbers are amounts (grouped "1.250") rather than a year, a
    code or an identifier. Decided from the definition, so that letters made under older
    definitions (a year asked as a "number") read right too."""
    if spec.kind != "number":
        return False
    words = _words(spec)
    return bool(words & (_AMOUNT_WORDS | _INCOME_WORDS)) or not words & _IDENTIFIER_WORDS


def _display_value(spec: FieldSpec, value: Any) -> str:
    if value in (None, ""):
        return "-"
    if spec.kind == "date":
        try:
            return formats.date_format(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if is_quantity(spec) and isinstance(value, int):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def display_rows(raw_schema: list[dict], data: dict) -> list[DisplayRow]:
    """Labelled values of a request's answers, for its detail page and its letter."""
    rows = []
    for spec in request_specs(raw_schema):
        value = data.get(spec.name)
        if spec.is_group:
            rows.append(
                DisplayRow(
                    label=spec.label,
                    name=spec.name,
                    table_headers=tuple(s.label for s in spec.fields),
                    table_rows=tuple(
                        tuple(_display_value(s, item.get(s.name)) for s in spec.fields)
                        for item in value or []
                    ),
                )
            )
        else:
            rows.append(
                DisplayRow(label=spec.label, name=spec.name, value=_display_value(spec, value))
            )
    return rows


# --- Public fields: what the verification page may show ---------------------------------------

# Words in a field's name or label that tell it holds a NIK (or a KK number), or income.
_NIK_WORDS = frozenset({"nik", "kk", "nkk"})
_INCOME_WORDS = frozenset(
    {"penghasilan", "pendapatan", "gaji", "upah", "omzet", "omset", "income", "salary"}
)


def never_public_reason(spec: FieldSpec) -> str:
    """Why a field may never be shown on the public verification page ("" if it may): it
    holds a NIK (its format, or a name or label saying NIK or KK) or income, or it is a
    group with such a field. Decided from the definition, whatever the admin ticks."""
    if spec.is_group:
        return next((r for r in map(never_public_reason, spec.fields) if r), "")
    words = _words(spec)
    if spec.format == "nik" or words & _NIK_WORDS or "kartu keluarga" in spec.label.lower():
        return _("it holds a NIK or KK number")
    if words & _INCOME_WORDS:
        return _("it holds income")
    return ""


def public_fields_check(raw_schema: list[dict], names: list[str]) -> list[str]:
    """The names of a type's fields to show on the verification page, checked against its
    field definitions (Keperluan included); ValidationError naming each refused field."""
    specs = {spec.name: spec for spec in request_specs(raw_schema)}
    errors = []
    for name in names:
        spec = specs.get(name)
        if spec is None:
            errors.append(
                ValidationError(
                    _("%(name)s is not one of the type's fields.") % {"name": name},
                    code="public_unknown",
                )
            )
        elif reason := never_public_reason(spec):
            errors.append(
                ValidationError(
                    _("%(label)s can never be shown on the verification page: %(reason)s.")
                    % {"label": spec.label, "reason": reason},
                    code="public_sensitive",
                )
            )
    if errors:
        raise ValidationError(errors)
    return [name for name in specs if name in names]  # in the form's order, once each


def public_rows(raw_schema: list[dict], data: dict, names: list[str]) -> list[DisplayRow]:
    """The rows of a letter's answers that its type shows publicly, judged again on the
    letter's own field definitions: a field that holds a NIK or income is never among them,
    even if it was ticked under a definition that did not say so."""
    if not names:
        return []
    specs = {spec.name: spec for spec in request_specs(raw_schema)}
    shown = {name for name in names if name in specs and not never_public_reason(specs[name])}
    return [row for row in display_rows(raw_schema, data) if row.name in shown]


# --- Sample answers and the editor's text form -----------------------------------------------


def _sample_whole_number(spec: FieldSpec) -> int:
    if spec.kind == "year":
        earliest, latest = year_range(spec)
        return min(max(2016, earliest), latest)
    return spec.min if spec.min is not None else 12


def sample_answers(raw_schema: list[dict]) -> dict:
    """Plausible answers for every field, for previews of a letter type."""

    def value(spec: FieldSpec):
        if spec.kind in ("number", "year"):
            return _sample_whole_number(spec)
        if spec.kind == "date":
            return "2022-11-06"
        if spec.kind == "choice":
            return spec.choices[0]
        if spec.format == "nik":
            return "3325110101900001"
        if spec.kind == "textarea":
            return f"Contoh isian {spec.label.lower()}"
        return f"Contoh {spec.label.lower()}"

    answers = {}
    for spec in request_specs(raw_schema):
        if spec.is_group:
            answers[spec.name] = [{sub.name: value(sub) for sub in spec.fields}]
        else:
            answers[spec.name] = value(spec)
    return answers


_TOML_KEYS = (
    "name",
    "label",
    "kind",
    "required",
    "help",
    "max_length",
    "format",
    "min",
    "max",
    "choices",
    "min_items",
    "max_items",
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # JSON strings and arrays of strings are valid TOML basic strings and arrays.
    return json.dumps(value, ensure_ascii=False)


def fields_to_toml(raw_schema: list[dict]) -> str:
    """A type's fields as the TOML text the district admin edits (the catalogue's format)."""
    blocks = []
    for item in raw_schema or ():
        lines = ["[[field]]"]
        lines += [f"{k} = {_toml_value(item[k])}" for k in _TOML_KEYS if k in item]
        for sub in item.get("fields", ()):
            lines.append("")
            lines.append("[[field.fields]]")
            lines += [f"{k} = {_toml_value(sub[k])}" for k in _TOML_KEYS if k in sub]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def fields_from_toml(text: str) -> list[dict]:
    """Parse and check the editor's text; raises SchemaError with the reason."""
    try:
        parsed = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as error:
        raise SchemaError(str(error)) from error
    unknown = set(parsed) - {"field"}
    if unknown:
        raise SchemaError(f"unknown tables: {', '.join(sorted(unknown))}")
    fields = parsed.get("field", [])
    parse_schema(fields)
    return fields
