"""The cohort spreadsheet: template, reading every format, validating every rule, annotating problems."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from europass.registry.models import Organisation
from issuing.sheets import (
    SheetError,
    SheetLimits,
    annotate_xlsx,
    build_template_csv,
    build_template_xlsx,
    read_sheet,
    validate_sheet,
)
from issuing.sheets.validation import IssueKey

from .conftest import csv_bytes, learner, xlsx

pytestmark = pytest.mark.django_db


def test_the_template_has_the_columns_a_dropdown_of_codes_and_instructions_in_english_and_french() -> None:
    for lang, header, required in (
        ("en", "Qualification code", "yes"),
        ("fr", "Code de la certification", "oui"),
    ):
        book = openpyxl.load_workbook(
            io.BytesIO(build_template_xlsx(qualification_codes=["Q-A", "Q-B"], lang=lang))
        )
        sheet = book["Credentials"]
        headers = [cell.value for cell in sheet[1]]
        assert header in headers and len(headers) == 12
        assert sheet.max_row == 3  # two example rows
        validations = sheet.data_validations.dataValidation
        assert validations and validations[0].formula1 == "=Lists!$A$1:$A$2"
        assert [row[0].value for row in book["Lists"].iter_rows()] == ["Q-A", "Q-B"]
        instructions = book["Instructions"]
        assert instructions.max_row >= 13 and instructions["B2"].value == required
    assert build_template_csv(qualification_codes=["Q-A"]).startswith(b"\xef\xbb\xbfLearner ID,")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: xlsx([learner(1), learner(2)]), id="xlsx"),
        pytest.param(lambda: xlsx([learner(1), learner(2)], lang="fr"), id="xlsx with French headers"),
        pytest.param(lambda: csv_bytes([learner(1), learner(2)]), id="csv utf-8"),
        pytest.param(lambda: csv_bytes([learner(1), learner(2)], bom=True), id="csv with BOM"),
        pytest.param(
            lambda: csv_bytes(
                [learner(1, given_name="Éloïse"), learner(2)], delimiter=";", encoding="cp1252"
            ),
            id="semicolon csv in cp1252",
        ),
        pytest.param(
            lambda: csv_bytes([learner(1), learner(2)], encoding="utf-16"), id="csv in UTF-16 with BOM"
        ),
        pytest.param(
            lambda: csv_bytes([learner(1, given_name="Éloïse"), learner(2)], encoding="cp1252").replace(
                b"\r\n", b"\r"
            ),
            id="csv with CR-only line endings (Excel for Mac)",
        ),
    ],
)
def test_a_good_sheet_validates_into_typed_rows(organisation: Organisation, data: object) -> None:
    raw = read_sheet(data(), filename="cohort")  # type: ignore[operator]
    result = validate_sheet(raw, organisation=organisation, today=dt.date(2025, 1, 1))
    assert result.ok, result.problems
    assert [row.row_number for row in result.rows] == [2, 3]
    assert (
        result.rows[0].date_of_birth == dt.date(2000, 1, 2) and result.rows[0].email == "learner1@example.org"
    )
    assert result.rows[0].given_name in ("Ana", "Éloïse")


def test_an_ods_sheet_is_read(organisation: Organisation, tmp_path: object) -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Credentials">'
        + "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
                for v in row
            )
            + "</table:table-row>"
            for row in [
                [
                    "Learner ID",
                    "Given name",
                    "Family name",
                    "Date of birth",
                    "Email",
                    "Qualification code",
                    "Award date",
                ],
                ["S-1", "Ana", "Silva", "2000-01-02", "ana@example.org", "DEMO-BACHELOR-CS", "2024-06-30"],
            ]
        )
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        archive.writestr("content.xml", content)
    result = validate_sheet(
        read_sheet(buffer.getvalue(), filename="cohort.ods"),
        organisation=organisation,
        today=dt.date(2025, 1, 1),
    )
    assert result.ok, result.problems and result.rows[0].family_name == "Silva"


RULES = [
    ({"email": "not-an-email"}, "Email", "not a valid email"),
    ({"date_of_birth": "31/02/2000"}, "Date of birth", "does not exist"),
    ({"date_of_birth": "2000-13-45x"}, "Date of birth", "not a date"),
    ({"date_of_birth": "01/01/1850"}, "Date of birth", "not plausible"),
    ({"award_date": dt.date(2030, 1, 1)}, "Award date", "in the future"),
    ({"award_date": dt.date(1999, 1, 1)}, "Award date", "before the date of birth"),
    ({"given_name": None}, "Given name", "of learner S-00002 (row 3) is missing"),
    ({"qualification_code": "NOPE-1"}, "Qualification code", "Unknown qualification code"),
    (
        {"qualification_code": "DEMO-BACHELOR-CS", "award_date": dt.date(2019, 6, 1)},
        "Qualification code",
        "not accredited",
    ),
    ({"valid_until": dt.date(2024, 1, 1)}, "Valid until", "after the award date"),
    ({"credits": "lots"}, "Credits (ECTS)", "number"),
    ({"language": "xx"}, "Language", "Unknown language"),
]


@pytest.mark.parametrize(("change", "column", "message"), RULES, ids=[r[2] for r in RULES])
def test_each_rule_reports_row_column_value_and_a_plain_message(
    organisation: Organisation, change: dict[str, object], column: str, message: str
) -> None:
    raw = read_sheet(xlsx([learner(1), learner(2, **change)]), filename="x.xlsx")
    result = validate_sheet(raw, organisation=organisation, today=dt.date(2025, 1, 1))
    assert not result.ok
    problem = next(p for p in result.problems if p.severity == "error")
    assert (problem.row, problem.column) == (3, column), result.problems
    assert message in problem.message
    assert [row.row_number for row in result.rows] == [2]  # nothing valid is lost


def test_duplicates_within_the_sheet_and_already_issued_ones_are_flagged(organisation: Organisation) -> None:
    raw = read_sheet(xlsx([learner(1), learner(1, email="other@example.org"), learner(3)]), filename="x.xlsx")
    issued = IssueKey(
        learner="S-00003", qualification_code="DEMO-BACHELOR-CS", award_date=dt.date(2024, 6, 30)
    )
    result = validate_sheet(
        raw,
        organisation=organisation,
        already_issued=lambda keys: {issued} & set(keys),
        today=dt.date(2025, 1, 1),
    )
    messages = {(p.row, p.message.split(" (")[0]) for p in result.problems}
    assert (3, "Duplicate of row 2") in messages
    assert any(p.row == 4 and "already issued" in p.message for p in result.problems)


def test_a_missing_required_column_is_one_clear_error(organisation: Organisation) -> None:
    raw = read_sheet(b"Learner ID,Given name\r\nS-1,Ana\r\n", filename="x.csv")
    result = validate_sheet(raw, organisation=organisation)
    assert not result.ok and any("Family name" in p.message for p in result.problems)


def test_the_annotated_sheet_marks_bad_cells_and_neutralises_formulas(organisation: Organisation) -> None:
    raw = read_sheet(csv_bytes([learner(1, email="bad", given_name="=HYPERLINK(1)")]), filename="x.csv")
    result = validate_sheet(raw, organisation=organisation, today=dt.date(2025, 1, 1))
    book = openpyxl.load_workbook(io.BytesIO(annotate_xlsx(raw, result, lang="en")))
    sheet = book["Credentials"]
    email_cell = sheet.cell(row=2, column=5)
    assert email_cell.comment is not None and "not a valid email" in email_cell.comment.text
    assert email_cell.fill.fgColor.rgb.endswith("F8D7DA")
    assert str(sheet.cell(row=2, column=2).value).startswith("'=")
    assert book["Problems"].max_row >= 2


def test_only_real_rows_count_against_the_row_limit(organisation: Organisation) -> None:
    data = xlsx([learner(i) for i in range(1, 13)])
    assert len(read_sheet(data, filename="x.xlsx", limits=SheetLimits(max_rows=12)).rows) == 12
    with pytest.raises(SheetError, match="more than 10 rows"):
        read_sheet(data, filename="x.xlsx", limits=SheetLimits(max_rows=10))


def test_a_far_away_cell_is_refused_for_the_grid_it_would_make(organisation: Organisation) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx([learner(1)])))
    book["Credentials"]["Z500"] = "a note far away"
    buffer = io.BytesIO()
    book.save(buffer)
    limits = SheetLimits(max_cells=5_000)
    assert len(read_sheet(xlsx([learner(1)]), filename="x.xlsx", limits=limits).rows) == 1
    with pytest.raises(
        SheetError, match="as far as row 500 and column Z: read as a grid, that is 13,000 cells"
    ):
        read_sheet(buffer.getvalue(), filename="x.xlsx", limits=limits)
