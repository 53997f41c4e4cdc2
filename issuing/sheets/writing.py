"""Writing sheets with openpyxl: the template, and the uploaded sheet annotated with its problems.

Text that a spreadsheet would take for a formula (=, +, -, @, tab, carriage return at the start) is neutralised
in everything written back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import COLUMNS
from .reading import Cell, RawSheet
from .validation import SheetValidation

ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")
WARNING_FILL = PatternFill("solid", fgColor="FFF3CD")
HEADER_FILL = PatternFill("solid", fgColor="0E47CB")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _header_row(sheet: object, headers: Sequence[str]) -> None:
    sheet.append(list(headers))  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL


def _qualification_dropdown(workbook: Workbook, sheet: object, codes: Sequence[str], *, column: int) -> None:
    """The qualification column offers the organisation's codes (a hidden "Lists" sheet feeds the drop-down)."""
    if not codes:
        return
    lists = workbook.create_sheet("Lists")
    for code in codes:
        lists.append([neutralise(code)])
    lists.sheet_state = "hidden"
    letter = get_column_letter(column)
    validation = DataValidation(type="list", formula1=f"=Lists!$A$1:$A${len(codes)}", allow_blank=False)
    validation.error = _("Choose a qualification your organisation is accredited for.")
    validation.errorTitle = _("Qualification code")
    sheet.add_data_validation(validation)  # type: ignore[attr-defined]
    validation.add(f"{letter}2:{letter}5000")


def build_template_xlsx(*, qualification_codes: Sequence[str], lang: str = "en") -> bytes:
    with translation.override(lang):
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Credentials"
        _header_row(sheet, [column.header(lang) for column in COLUMNS])
        codes = list(qualification_codes) or ["DEMO-BACHELOR-CS"]
        for example in (0, 1):
            row = []
            for column in COLUMNS:
                value: object = column.example[example]
                if column.key == "qualification_code":
                    value = codes[0]
                elif column.kind == "date" and value:
                    value = dt.date.fromisoformat(str(value))
                row.append(value or None)
            sheet.append(row)
        for example_cells in sheet.iter_rows(min_row=2, max_row=3):  # examples look like examples
            for cell in example_cells:
                cell.font = Font(italic=True, color="6B6B6B")
        for index, column in enumerate(COLUMNS, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(14, len(column.header(lang)) + 4)
            if column.kind == "date":
                sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
                for row_cells in sheet[f"{letter}2:{letter}3"]:
                    for cell in row_cells:
                        cell.number_format = "yyyy-mm-dd"
        code_column = [c.key for c in COLUMNS].index("qualification_code") + 1
        _qualification_dropdown(workbook, sheet, codes, column=code_column)
        sheet.freeze_panes = "A2"

        instructions = workbook.create_sheet("Instructions")
        _header_row(instructions, [_("Column"), _("Required"), _("Format"), _("Example")])
        for column in COLUMNS:
            instructions.append(
                [
                    column.header(lang),
                    _("yes") if column.required else _("no"),
                    str(column.help),
                    column.example[0],
                ]
            )
        instructions.append([])
        instructions.append(
            [_("One row per learner. Headers may be in English or French. Formulas are never calculated.")]
        )
        instructions.append([_("Qualification codes you may use: %(codes)s") % {"codes": ", ".join(codes)}])
        for letter, width in zip("ABCD", (28, 10, 80, 28), strict=True):
            instructions.column_dimensions[letter].width = width
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def build_template_csv(*, qualification_codes: Sequence[str], lang: str = "en") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header(lang) for column in COLUMNS])
    codes = list(qualification_codes) or ["DEMO-BACHELOR-CS"]
    for example in (0, 1):
        writer.writerow([codes[0] if c.key == "qualification_code" else c.example[example] for c in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def annotate_xlsx(
    raw: RawSheet, validation: SheetValidation, *, lang: str = "en", qualification_codes: Sequence[str] = ()
) -> bytes:
    """The uploaded sheet written back, bad cells filled and commented, plus a Problems sheet; the qualification
    column keeps its drop-down of the organisation's codes, so the corrections are made as in the template."""
    with translation.override(lang):
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = raw.sheet_name[:31] or "Credentials"
        _header_row(sheet, [str(neutralise(h)) for h in raw.headers])
        positions: dict[int, int] = {}
        for excel_row, row in enumerate(raw.rows, start=2):
            positions[row.number] = excel_row
            sheet.append(
                [neutralise(v) if not isinstance(v, dt.time | dt.timedelta) else str(v) for v in row.values]
            )
        header_index = {header: i + 1 for i, header in enumerate(raw.headers)}
        for problem in validation.problems:
            if problem.row in positions and problem.column in header_index:
                cell = sheet.cell(row=positions[problem.row], column=header_index[problem.column])
                cell.fill = ERROR_FILL if problem.severity == "error" else WARNING_FILL
                previous = cell.comment.text + "\n" if cell.comment else ""
                cell.comment = Comment(previous + problem.message, "Europass portal")
        if "qualification_code" in raw.columns:
            _qualification_dropdown(
                workbook, sheet, list(qualification_codes), column=raw.columns["qualification_code"] + 1
            )
        sheet.freeze_panes = "A2"
        listing = workbook.create_sheet("Problems")
        _header_row(listing, [_("Row"), _("Column"), _("Value"), _("Problem"), _("Severity")])
        for problem in validation.problems:
            listing.append(
                [
                    problem.row,
                    neutralise(problem.column),
                    neutralise(problem.value),
                    problem.message,
                    problem.severity,
                ]
            )
        for letter, width in zip("ABCDE", (8, 24, 28, 80, 10), strict=True):
            listing.column_dimensions[letter].width = width
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
