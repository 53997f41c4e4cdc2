"""Reading an uploaded sheet (XLSX, ODS, CSV) with python-calamine and the csv module, limits first."""

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

from europass.core.errors import ApplicationError

from .columns import match_header
from .limits import SheetLimits

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"')


class SheetError(ApplicationError):
    code = "sheet_unreadable"


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
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
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
        names = {entry.filename for entry in entries}
        if "xl/workbook.xml" in names:
            for name in sorted(
                n for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")
            ):
                with archive.open(name) as handle:
                    head = handle.read(4096)
                match = _DIMENSION.search(head)
                if match and match.group(1) and int(match.group(1)) - 1 > limits.max_rows:
                    raise SheetError(
                        _(
                            "The sheet has %(rows)s rows; at most %(max)s rows can be issued at once. Split it into several files."
                        )
                        % {"rows": f"{int(match.group(1)) - 1:,}", "max": f"{limits.max_rows:,}"}
                    )
            return "xlsx"
        if "mimetype" in names and archive.read("mimetype").startswith(
            b"application/vnd.oasis.opendocument.spreadsheet"
        ):
            return "ods"
    raise SheetError(_("This file is not a spreadsheet (XLSX, ODS or CSV expected)."))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes, limits: SheetLimits) -> list[list[Any]]:
    if b"\x00" in data[:4096]:
        raise SheetError(_("This file is not a spreadsheet (XLSX, ODS or CSV expected)."))
    if data.count(b"\n") > limits.max_rows + 1:
        raise SheetError(
            _("The sheet has more than %(max)s rows. Split it into several files.")
            % {"max": f"{limits.max_rows:,}"}
        )
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return [list[Cell](row) for row in csv.reader(io.StringIO(text), dialect)]


def _read_workbook(data: bytes) -> tuple[str, list[list[Any]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        chosen = next(
            (n for n in names if n.strip().lower() in ("credentials", "titres")), names[0] if names else None
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
        raise SheetError(
            _("The sheet has more than %(max)s rows. Split it into several files.")
            % {"max": f"{limits.max_rows:,}"}
        )
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
