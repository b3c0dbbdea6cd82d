"""Writing tables to CSV and XLSX downloads, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` or a control character is a formula to
Excel and LibreOffice; text typed by people (names) is prefixed with an apostrophe so that
it stays text ("CSV injection"). Numbers are left as numbers.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value):
    if isinstance(value, Promise):  # a lazy translation
        value = str(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return value


@dataclass(frozen=True)
class Table:
    """A titled table: one sheet of an XLSX file, one block of a CSV file."""

    title: str
    header: list[str]
    rows: list[list]


def _csv_value(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return spreadsheet_safe(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte order mark makes Excel read the file as UTF-8.
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def csv_response(rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    """A CSV download written row by row as ``rows`` is consumed (no list kept in memory)."""
    response = StreamingHttpResponse(_csv_lines(rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def tables_as_csv_rows(tables: list[Table]) -> Iterator[list]:
    """Tables one below the other, each under its title, separated by an empty row."""
    for index, table in enumerate(tables):
        if index:
            yield []
        yield [table.title]
        yield table.header
        yield from table.rows


def _xlsx_value(value):
    if isinstance(value, dt.datetime):
        # Spreadsheets have no time zones: write the local (Asia/Jakarta) time.
        return timezone.localtime(value).replace(tzinfo=None)
    return spreadsheet_safe(value)


def _sheet_title(title: str, used: set[str]) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title)[:31] or "Sheet"
    candidate, number = cleaned, 2
    while candidate in used:
        suffix = f" ({number})"
        candidate, number = cleaned[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate


def xlsx_response(tables: list[Table], *, filename: str) -> HttpResponse:
    """One sheet per table, header row in bold."""
    from openpyxl import Workbook  # noqa: PLC0415 - only exports need it
    from openpyxl.styles import Font  # noqa: PLC0415

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([spreadsheet_safe(title) for title in table.header])
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([_xlsx_value(value) for value in row])
        for column, header in zip(sheet.columns, table.header, strict=False):
            width = max([len(str(header)), *(len(str(cell.value or "")) for cell in column)])
            sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
