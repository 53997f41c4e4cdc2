"""Reading an uploaded sheet (XLSX, ODS, CSV) with python-calamine and the csv module, limits first: archives are
inspected for their real extent (inspection.py) before calamine lays out a grid; CSV text is decoded strictly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .columns import match_header
from .inspection import SheetError, inspect_archive
from .limits import SheetLimits

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
__all__ = ["Cell", "RawRow", "RawSheet", "SheetError", "read_sheet"]


@dataclass
class RawRow:
    number: int  # as the user sees it in the spreadsheet (the header is row 1)
    values: list[Cell]


@dataclass
class RawSheet:
    headers: list[str]
    columns: dict[str, int]  # column key -> position
    rows: list[RawRow] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    header_row: int = 1
    sheet_name: str = "Credentials"

    def cell(self, row: RawRow, key: str) -> Cell:
        index = self.columns.get(key)
        if index is None or index >= len(row.values):
            return None
        return row.values[index]


def _zip_checks(data: bytes, limits: SheetLimits) -> str:
    """Sizes, ratios and the real extent of every sheet, checked before python-calamine lays out any grid."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise SheetError(_("This file is damaged: it cannot be opened as a spreadsheet.")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise SheetError(_("This file holds too many parts to be a spreadsheet."))
        total = 0
        for entry in entries:
            total += entry.file_size
            if entry.file_size > limits.max_uncompressed or total > limits.max_uncompressed:
                raise SheetError(
                    _(
                        "This file expands to more than %(mb)s MB: it is refused (a compressed bomb, or a far too large sheet)."
                    )
                    % {"mb": limits.max_uncompressed // (1024 * 1024)}
                )
            if (
                entry.compress_size
                and entry.file_size / entry.compress_size > 200
                and entry.file_size > 10 * 1024 * 1024
            ):
                raise SheetError(
                    _("This file is compressed suspiciously well: it is refused as a possible zip bomb.")
                )
        names = [entry.filename for entry in entries]
        if len({name.lower() for name in names}) != len(names):
            # two parts of one name: which one a reader takes is its own choice, not the one inspected
            raise SheetError(_("This file is damaged: it cannot be opened as a spreadsheet."))
        if any(
            name.lower().endswith(".bin") and name.lower().startswith("xl/worksheets/") for name in names
        ) or ("xl/workbook.bin" in names):
            raise SheetError(
                _("This file is not a spreadsheet (XLSX, ODS or CSV expected). Save it as XLSX or CSV.")
            )
        opendocument = "mimetype" in names or "content.xml" in names
        if "xl/workbook.xml" in names and opendocument:
            raise SheetError(
                _("This file is damaged: it cannot be opened as a spreadsheet.")
            )  # both: which read?
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "mimetype" in names and archive.read("mimetype").startswith(
            b"application/vnd.oasis.opendocument.spreadsheet"
        ):
            kind = "ods"
        else:
            raise SheetError(_("This file is not a spreadsheet (XLSX, ODS or CSV expected)."))
        inspect_archive(archive, limits, kind=kind)
    return kind


_BREAK = re.compile(rb"\r\n|\r|\n")
_TEXT_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")
# C0 controls that no text sheet holds (tab, line feed, vertical tab, form feed and carriage return are text).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _row_at(data: bytes, offset: int) -> int:
    """The row (line) number, as the user sees it, of a byte offset (in a file of at most max_rows lines)."""
    return len(_BREAK.findall(data, 0, offset)) + 1


def _not_text(row: int) -> SheetError:
    return SheetError(
        _(
            "This file is not a text CSV: it holds binary content (row %(row)s). Upload the sheet as XLSX, ODS or CSV."
        )
        % {"row": row}
    )


def _too_many_rows(limits: SheetLimits) -> SheetError:
    return SheetError(
        _("The sheet has more than %(max)s rows. Split it into several files.")
        % {"max": f"{limits.max_rows:,}"}
    )


def _decode(data: bytes, limits: SheetLimits) -> str:
    """The text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252, never a mix of them."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return body.decode(codec)
            except UnicodeDecodeError as error:
                prefix = body[: error.start].decode(codec)
                raise _not_text(len(_TEXT_BREAK.findall(prefix)) + 1) from None
    if max(data.count(b"\n"), data.count(b"\r")) > limits.max_rows + 1:
        raise _too_many_rows(limits)
    if b"\x00" in data:
        raise _not_text(_row_at(data, data.index(b"\x00")))
    marked = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if marked else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        bad_row = _row_at(body, error.start)
    if marked:
        raise SheetError(
            _(
                "Row %(row)s is not in UTF-8 although the file is marked as UTF-8: names would come out garbled. Save it again as “CSV UTF-8” and upload it again."
            )
            % {"row": bad_row}
        )
    for number, match in enumerate(_LINE.finditer(body), start=1):
        line = match.group()
        if not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            raise SheetError(
                _(
                    "Row %(row)s is not in UTF-8 while row %(other)s is: the file mixes two text encodings (UTF-8 and Windows-1252) and names would come out garbled. Save it again as “CSV UTF-8” and upload it again."
                )
                % {"row": bad_row, "other": number}
            )
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError as error:  # bytes that Windows-1252 leaves undefined: not text
        raise _not_text(_row_at(body, error.start)) from None


def _read_csv(data: bytes, limits: SheetLimits) -> list[list[Any]]:
    text = _decode(data, limits).removesuffix("\x1a")  # an old DOS end-of-file mark
    if max(text.count("\n"), text.count("\r")) > limits.max_rows + 1:
        raise _too_many_rows(limits)
    binary = _BINARY.search(text)
    if binary:
        raise _not_text(len(_TEXT_BREAK.findall(text, 0, binary.start())) + 1)
    # Lines for the sniffer whatever their ending (Excel's "CSV (Macintosh)" ends them with CR alone).
    sample = "\n".join(_TEXT_BREAK.split(text[:8192]))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # A field ends at a delimiter or a line break: bound the cells before the csv module lists them.
    if text.count(dialect.delimiter) + text.count("\n") + text.count("\r") + 1 > limits.max_cells:
        raise SheetError(
            _("The sheet has more than %(max)s cells. Split it into several files.")
            % {"max": f"{limits.max_cells:,}"}
        )
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[Any]] = []
    try:
        for row in reader:
            if len(row) > limits.max_columns:
                raise SheetError(
                    _("Row %(row)s has %(columns)s columns; at most %(max)s can be read.")
                    % {"row": reader.line_num, "columns": f"{len(row):,}", "max": f"{limits.max_columns:,}"}
                )
            rows.append(list[Cell](row))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise SheetError(
                _("Row %(row)s has a cell of more than %(max)s characters: it is refused.")
                % {"row": reader.line_num, "max": f"{csv.field_size_limit():,}"}
            ) from None
        raise SheetError(
            _("Row %(row)s of this CSV cannot be read. Save the sheet again as CSV and upload it again.")
            % {"row": reader.line_num}
        ) from None
    return rows


def _read_workbook(data: bytes) -> tuple[str, list[list[Any]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        chosen = next(
            (n for n in names if n.strip().lower() in ("credentials", "attestations", "titres")),
            names[0] if names else None,
        )
        if chosen is None:
            raise SheetError(_("The workbook has no sheet."))
        rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except SheetError:
        raise
    except Exception:
        raise SheetError(_("This file is damaged: it cannot be opened as a spreadsheet.")) from None
    return chosen, rows


def read_sheet(data: bytes, *, filename: str = "", limits: SheetLimits | None = None) -> RawSheet:
    limits = limits or SheetLimits.from_settings()
    if not data or not data.strip():
        raise SheetError(_("The file is empty."))
    if len(data) > limits.max_bytes:
        raise SheetError(
            _("The file is too large (%(size)s MB; at most %(max)s MB).")
            % {"size": round(len(data) / 1e6, 1), "max": round(limits.max_bytes / 1e6, 1)}
        )
    if data.startswith(b"%PDF") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(
            _("This file is not a spreadsheet (XLSX, ODS or CSV expected). Save it as XLSX or CSV.")
        )
    sheet_name = "Credentials"
    if data.startswith(b"PK\x03\x04"):
        _zip_checks(data, limits)
        sheet_name, rows = _read_workbook(data)
    else:
        rows = _read_csv(data, limits)
    if len(rows) > limits.max_rows + 1:
        raise _too_many_rows(limits)
    width = max((len(row) for row in rows), default=0)
    if width * len(rows) > limits.max_cells:
        raise SheetError(_("The sheet has too many cells (%(cells)s).") % {"cells": f"{width * len(rows):,}"})
    header_index = next(
        (i for i, row in enumerate(rows) if any(str(v).strip() for v in row if v is not None)), None
    )
    if header_index is None:
        raise SheetError(_("The sheet is empty: no header row was found."))
    headers = ["" if v is None else str(v).strip() for v in rows[header_index]]
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        key = match_header(header)
        if key and key not in columns:
            columns[key] = position
        elif header:
            unknown.append(header)
    if not columns:
        raise SheetError(
            _(
                "No known column was found in the first row. Use the template: its first row holds the column names."
            )
        )
    body = [
        RawRow(number=header_index + 2 + i, values=list(row))
        for i, row in enumerate(rows[header_index + 1 :])
        if any(v is not None and str(v).strip() for v in row)
    ]
    return RawSheet(
        headers=headers,
        columns=columns,
        rows=body,
        unknown=unknown,
        header_row=header_index + 1,
        sheet_name=sheet_name,
    )
