"""The cohort spreadsheet: template, reading (with limits first), whole-sheet validation, annotated download."""

from .columns import COLUMNS, Column, match_header
from .limits import SheetLimits
from .reading import RawRow, RawSheet, SheetError, read_sheet
from .validation import IssueKey, LearnerRow, Problem, SheetValidation, validate_sheet
from .writing import annotate_xlsx, build_template_csv, build_template_xlsx, neutralise

__all__ = [
    "COLUMNS",
    "Column",
    "IssueKey",
    "LearnerRow",
    "Problem",
    "RawRow",
    "RawSheet",
    "SheetError",
    "SheetLimits",
    "SheetValidation",
    "annotate_xlsx",
    "build_template_csv",
    "build_template_xlsx",
    "match_header",
    "neutralise",
    "read_sheet",
    "validate_sheet",
]
