"""Qualifications in and out of the register, as CSV and as XML.

CSV (UTF-8, a header row, comma- or semicolon-separated; one qualification per row):

==========================  ==========================================================================
column                      meaning
==========================  ==========================================================================
code (required)             unique code: letters, digits, dot, dash, underscore (max 64)
title_en, title_fr          title in English / French (at least one of the two)
description_en/_fr          description (optional)
eqf_level                   EQF level 1-8 (optional)
nqf_level                   national level as written nationally, e.g. ``6`` or ``Level 6`` (optional)
isced_f_code                ISCED-F 2013 field, 2 to 4 digits, e.g. ``0613`` (optional)
credits                     ECTS credits, e.g. ``180`` or ``7.5`` (optional)
learning_outcomes_en/_fr    the outcomes, separated by ``|`` or by line breaks inside the cell; the n-th
                            English outcome and the n-th French one are the same outcome, so when both
                            columns are filled they must hold the same number of outcomes
status                      ``active`` (default when blank) or ``withdrawn``
uri                         optional: the qualification's public URI when it lives in another register
==========================  ==========================================================================

Rows are numbered as in a spreadsheet: the header is row 1, the first qualification row 2.

XML: ``<qualifications xmlns="https://europass-portal.eu/ns/qualifications/1">`` valid against
``schemas/qualifications.xsd``; qualifications are numbered 1, 2... in document order.

This module reads and writes; the import itself (all or nothing, in one transaction) is
``services.qualifications_import``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from europass.core.errors import error_text

from .models import Qualification

QUAL_NS = "https://europass-portal.eu/ns/qualifications/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "qualifications.xsd"
CSV_COLUMNS = [
    "code",
    "title_en",
    "title_fr",
    "description_en",
    "description_fr",
    "eqf_level",
    "nqf_level",
    "isced_f_code",
    "credits",
    "learning_outcomes_en",
    "learning_outcomes_fr",
    "status",
    "uri",
]
LANGS = ("en", "fr")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_DEPTH = 16
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ISCED_RE = re.compile(r"^\d{2,4}$")
OUTCOME_SPLIT = re.compile(r"\s*(?:\|\s*|\r?\n\s*)+")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row} if self.row else _("file")
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class QualificationRecord:
    """One qualification as read from a file, before it touches the database."""

    row: int
    code: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    eqf_level: int | None = None
    nqf_level: str = ""
    isced_f_code: str = ""
    credits: Decimal | None = None
    learning_outcomes: list[dict[str, str]] = field(default_factory=list)
    status: str = Qualification.Status.ACTIVE
    uri: str = ""


class FileRefused(Exception):
    """The whole file is unusable (not CSV/XML, too large, unsafe, invalid against the schema)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --- shared value rules ---------------------------------------------------------------------------------------


def _check_values(record: QualificationRecord, problems: list[Problem]) -> None:
    row = record.row
    if not record.code:
        problems.append(Problem(row, "code", _("The code is missing.")))
    elif len(record.code) > 64 or not CODE_RE.match(record.code):
        problems.append(
            Problem(row, "code", _("Use at most 64 letters, digits, dots, dashes or underscores."))
        )
    if not any(record.title.values()):
        problems.append(Problem(row, "title_en", _("Give a title in English or in French.")))
    if record.eqf_level is not None and not 1 <= record.eqf_level <= 8:
        problems.append(Problem(row, "eqf_level", _("The EQF level is a whole number from 1 to 8.")))
    if len(record.nqf_level) > 20:
        problems.append(Problem(row, "nqf_level", _("At most 20 characters.")))
    if record.isced_f_code and not ISCED_RE.match(record.isced_f_code):
        problems.append(Problem(row, "isced_f_code", _("An ISCED-F 2013 code of 2 to 4 digits, e.g. 0613.")))
    if record.credits is not None and (
        record.credits < 0
        or record.credits >= 100000
        or record.credits != record.credits.quantize(Decimal("0.1"))
    ):
        problems.append(
            Problem(row, "credits", _("Credits are a positive number with at most one decimal, e.g. 7.5."))
        )
    if record.status not in Qualification.Status.values:
        problems.append(Problem(row, "status", _('The status is "active" or "withdrawn".')))


def _duplicates(records: list[QualificationRecord], problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for record in records:
        if record.code and record.code in seen:
            problems.append(
                Problem(
                    record.row,
                    "code",
                    _("The code %(code)s is already used on row %(other)s.")
                    % {"code": record.code, "other": seen[record.code]},
                )
            )
        seen.setdefault(record.code, record.row)


# --- CSV ------------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FileRefused(
            [Problem(0, "", _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 2**20})]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused([Problem(0, "", _("The file is not UTF-8 text."))]) from exc


def split_outcomes(cell: str) -> list[str]:
    return [part for part in OUTCOME_SPLIT.split(cell.strip()) if part] if cell.strip() else []


def read_csv(data: bytes) -> tuple[list[QualificationRecord], list[Problem]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise FileRefused([Problem(0, "", _("The file is empty."))]) from None
    except csv.Error as exc:
        raise FileRefused([Problem(1, "", _("This is not a readable CSV file."))]) from exc
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    problems: list[Problem] = []
    if unknown:
        problems.append(Problem(1, "", _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}))
    if "code" not in header or not {"title_en", "title_fr"} & set(header):
        problems.append(Problem(1, "", _("The header needs a code column and title_en or title_fr.")))
    if problems:
        raise FileRefused(problems)
    records: list[QualificationRecord] = []
    row = 1
    try:
        for cells in reader:
            row += 1
            if row > MAX_ROWS + 1:
                raise FileRefused([Problem(row, "", _("More than %(max)s rows.") % {"max": MAX_ROWS})])
            if not any(cell.strip() for cell in cells):
                continue
            values = {
                name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name
            }
            if len(cells) > len(header):
                problems.append(Problem(row, "", _("This row has more cells than the header.")))
            records.append(_record_from_cells(row, values, problems))
    except csv.Error as exc:
        raise FileRefused([Problem(row, "", _("This is not a readable CSV file."))]) from exc
    _duplicates(records, problems)
    return records, problems


def _record_from_cells(row: int, values: dict[str, str], problems: list[Problem]) -> QualificationRecord:
    def texts(prefix: str) -> dict[str, str]:
        return {lang: values[f"{prefix}_{lang}"] for lang in LANGS if values.get(f"{prefix}_{lang}")}

    eqf: int | None = None
    if values.get("eqf_level"):
        try:
            eqf = int(values["eqf_level"])
        except ValueError:
            problems.append(Problem(row, "eqf_level", _("The EQF level is a whole number from 1 to 8.")))
    credits: Decimal | None = None
    if values.get("credits"):
        try:
            credits = Decimal(values["credits"].replace(",", "."))
            if not credits.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(
                Problem(
                    row, "credits", _("Credits are a positive number with at most one decimal, e.g. 7.5.")
                )
            )
            credits = None
    outcomes = {lang: split_outcomes(values.get(f"learning_outcomes_{lang}", "")) for lang in LANGS}
    filled = [lang for lang in LANGS if outcomes[lang]]
    learning_outcomes: list[dict[str, str]] = []
    if len(filled) == 2 and len(outcomes["en"]) != len(outcomes["fr"]):
        problems.append(
            Problem(
                row,
                "learning_outcomes_fr",
                _(
                    "%(en)s outcomes in English but %(fr)s in French: give each outcome in both languages, "
                    "in the same order, or leave one column empty."
                )
                % {"en": len(outcomes["en"]), "fr": len(outcomes["fr"])},
            )
        )
    elif filled:
        count = len(outcomes[filled[0]])
        learning_outcomes = [{lang: outcomes[lang][i] for lang in filled} for i in range(count)]
    record = QualificationRecord(
        row=row,
        code=values.get("code", ""),
        title=texts("title"),
        description=texts("description"),
        eqf_level=eqf,
        nqf_level=values.get("nqf_level", ""),
        isced_f_code=values.get("isced_f_code", ""),
        credits=credits,
        learning_outcomes=learning_outcomes,
        status=(values.get("status") or Qualification.Status.ACTIVE).lower(),
        uri=values.get("uri", ""),
    )
    _check_values(record, problems)
    return record


def _credits_text(credits: Decimal | None) -> str:
    if credits is None:
        return ""
    return str(credits.quantize(Decimal(1))) if credits == credits.to_integral_value() else str(credits)


def write_csv(qualifications: Iterable[Qualification]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for q in qualifications:
        writer.writerow(
            [
                q.code,
                q.title.get("en", ""),
                q.title.get("fr", ""),
                q.description.get("en", ""),
                q.description.get("fr", ""),
                q.eqf_level or "",
                q.nqf_level,
                q.isced_f_code,
                _credits_text(q.credits),
                " | ".join(o.get("en", "") for o in q.learning_outcomes if o.get("en")),
                " | ".join(o.get("fr", "") for o in q.learning_outcomes if o.get("fr")),
                q.status,
                q.uri,
            ]
        )
    return out.getvalue().encode("utf-8")


# --- XML ------------------------------------------------------------------------------------------------------


@functools.cache
def xml_schema() -> etree.XMLSchema:
    # Our own schema file from the source tree (not user input); it imports nothing.
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _q(name: str) -> str:
    return f"{{{QUAL_NS}}}{name}"


def read_xml(data: bytes) -> tuple[list[QualificationRecord], list[Problem]]:
    if len(data) > MAX_BYTES:
        raise FileRefused(
            [Problem(0, "", _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 2**20})]
        )
    from europass.credentials.errors import CredentialError
    from europass.credentials.xmlsafe import parse_xml

    try:
        parsed: Any = parse_xml(data, max_bytes=MAX_BYTES, max_depth=MAX_DEPTH)
    except CredentialError as exc:
        raise FileRefused(
            [Problem(0, "", _("The XML was refused: %(reason)s") % {"reason": error_text(exc)})]
        ) from exc
    root = parsed.getroot() if hasattr(parsed, "getroot") else parsed
    schema = xml_schema()
    if not schema.validate(root):
        problems = [
            Problem(0, "", _("Line %(line)s: %(message)s") % {"line": error.line, "message": error.message})
            for error in list(schema.error_log)[:20]
        ]
        raise FileRefused(
            [
                Problem(0, "", _("The XML does not follow the qualifications schema (qualifications.xsd).")),
                *problems,
            ]
        )
    problems = []
    records: list[QualificationRecord] = []
    for number, element in enumerate(root.iterfind(_q("qualification")), start=1):

        def texts(node: Any, name: str) -> dict[str, str]:
            return {t.get("lang"): (t.text or "").strip() for t in node.iterfind(_q(name))}

        def value(name: str, node: Any = element) -> str:
            found = node.find(_q(name))
            return (found.text or "").strip() if found is not None else ""

        record = QualificationRecord(
            row=number,
            code=element.get("code", "").strip(),
            title=texts(element, "title"),
            description=texts(element, "description"),
            eqf_level=int(value("eqfLevel")) if value("eqfLevel") else None,
            nqf_level=value("nqfLevel"),
            isced_f_code=value("iscedFCode"),
            credits=Decimal(value("credits")) if value("credits") else None,
            learning_outcomes=[
                texts(outcome, "text")
                for outcome in element.iterfind(f"{_q('learningOutcomes')}/{_q('learningOutcome')}")
            ],
            status=element.get("status", Qualification.Status.ACTIVE),
            uri=value("uri"),
        )
        _check_values(record, problems)
        records.append(record)
    _duplicates(records, problems)
    return records, problems


def write_xml(qualifications: Iterable[Qualification], *, now: dt.datetime | None = None) -> bytes:
    root = etree.Element(_q("qualifications"), nsmap={None: QUAL_NS})
    root.set("generated", (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat())

    def add_texts(parent: Any, name: str, texts: dict[str, str]) -> None:
        for lang, text in sorted(texts.items(), key=lambda item: (item[0] != "en", item[0])):
            if text and re.fullmatch(r"[a-z]{2}", lang):
                etree.SubElement(parent, _q(name), lang=lang).text = text

    for q in qualifications:
        element = etree.SubElement(root, _q("qualification"), code=q.code, status=q.status)
        add_texts(element, "title", q.title or {"en": q.code})
        add_texts(element, "description", q.description)
        if q.eqf_level:
            etree.SubElement(element, _q("eqfLevel")).text = str(q.eqf_level)
        if q.nqf_level:
            etree.SubElement(element, _q("nqfLevel")).text = q.nqf_level
        if q.isced_f_code:
            etree.SubElement(element, _q("iscedFCode")).text = q.isced_f_code
        if q.credits is not None:
            etree.SubElement(element, _q("credits")).text = _credits_text(q.credits)
        if q.uri:
            etree.SubElement(element, _q("uri")).text = q.uri
        outcomes = [o for o in q.learning_outcomes if any(o.values())]
        if outcomes:
            container = etree.SubElement(element, _q("learningOutcomes"))
            for outcome in outcomes:
                add_texts(etree.SubElement(container, _q("learningOutcome")), "text", outcome)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
