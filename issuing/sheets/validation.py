"""Validation of the whole sheet before anything is sealed: every problem with row, column, value and a message."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.registry.models import Accreditation, Organisation, Qualification

from .columns import BY_KEY, COLUMNS
from .reading import Cell, RawRow, RawSheet

LANGUAGES = {
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "is", "it", "lt", "lv", "mt", "nl",
    "no", "pl", "pt", "ro", "sk", "sl", "sv", "tr", "mk", "sq", "sr", "uk",
}  # fmt: skip


def _compiled(lazy: Any) -> re.Pattern[str]:
    return re.compile(lazy.pattern, lazy.flags)


class _EmailValidator(EmailValidator):
    """Django's email rules, with its patterns compiled once: Django keeps them behind a lazy proxy that costs two
    lookups on each use (a tenth of validating a sheet's rows)."""

    user_regex = _compiled(EmailValidator.user_regex)
    domain_regex = _compiled(EmailValidator.domain_regex)
    literal_regex = _compiled(EmailValidator.literal_regex)


_email = _EmailValidator()
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d")
_DATE_SHAPES = (  # (pattern, order of year / month / day in its groups)
    (re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"), (0, 1, 2)),
    (re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"), (2, 1, 0)),
)
EXAMPLE_PREFIX = "EXAMPLE-"  # the template's example learners carry it: they can never be issued by accident


class DateDoesNotExist(ValueError):
    """Written as a date (e.g. 31/02/2025), but no such day exists."""


def _impossible_date(text: str) -> bool:
    for pattern, (y, m, d) in _DATE_SHAPES:
        match = pattern.fullmatch(text)
        if match:
            parts = [int(g) for g in match.groups()]
            try:
                dt.date(parts[y], parts[m], parts[d])
            except ValueError:
                return True
    return False


class IssueKey(NamedTuple):
    """A credential issued before: the same learner (id or email), qualification and award date. A tuple: two keys
    per row of a 50,000-row sheet are built and hashed."""

    learner: str
    qualification_code: str
    award_date: dt.date


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: str = "error"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LearnerRow:
    row_number: int
    learner_id: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    email: str
    qualification_code: str
    award_date: dt.date
    valid_until: dt.date | None = None
    grade: str = ""
    credits: Decimal | None = None
    language: str = "en"
    national_id: str = ""

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)  # every field, a scalar (dataclasses.asdict deep-copies: 60 µs a row)
        for key in ("date_of_birth", "award_date", "valid_until"):
            data[key] = data[key].isoformat() if data[key] else None
        data["credits"] = str(self.credits) if self.credits is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnerRow:
        values = dict(data)
        for key in ("date_of_birth", "award_date", "valid_until"):
            values[key] = dt.date.fromisoformat(values[key]) if values.get(key) else None
        values["credits"] = Decimal(values["credits"]) if values.get("credits") not in (None, "") else None
        return cls(**values)


@dataclass
class SheetValidation:
    rows: list[LearnerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(p.severity == "error" for p in self.problems)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Cell) -> dt.date | None:
    """A date from a spreadsheet cell; raises ValueError when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise ValueError("not a date")
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", text):
        if _impossible_date(text[:10]):
            raise DateDoesNotExist(text)
        return dt.date.fromisoformat(text[:10])
    if _impossible_date(text):
        raise DateDoesNotExist(text)
    raise ValueError("not a date")


class _RowChecker:
    def __init__(self, raw: RawSheet, row: RawRow, problems: list[Problem]) -> None:
        self.raw, self.row, self.problems = raw, row, problems
        self.failed = False
        self.learner = ""  # the learner ID, once read: messages say which learner they are about

    def missing(self, key: str, value: Cell) -> None:
        """A required value is empty: say which learner (by learner ID) and which row."""
        names = {"column": self.header(key), "row": self.row.number, "learner": self.learner}
        if self.learner:
            message = _("The “%(column)s” of learner %(learner)s (row %(row)s) is missing: it is required.")
        else:
            message = _("The “%(column)s” of the learner on row %(row)s is missing: it is required.")
        self.problem(key, message % names, value)

    def header(self, key: str) -> str:
        index = self.raw.columns.get(key)
        return self.raw.headers[index] if index is not None else BY_KEY[key].en

    def problem(self, key: str, message: str, value: Cell = None, severity: str = "error") -> None:
        self.problems.append(
            Problem(self.row.number, self.header(key), _text(value)[:200], message, severity)
        )
        if severity == "error":
            self.failed = True

    def text(self, key: str, *, max_length: int = 200) -> str:
        value = self.raw.cell(self.row, key)
        text = _text(value)
        if BY_KEY[key].required and not text:
            self.missing(key, value)
        elif len(text) > max_length:
            self.problem(
                key, _("This value is too long (at most %(max)s characters).") % {"max": max_length}, value
            )
        elif text[:1] in ("=", "+", "@") and key not in ("grade", "credits"):
            self.problem(
                key,
                _("This looks like a formula; it is kept as plain text, never calculated."),
                value,
                "warning",
            )
        return text

    def date(self, key: str) -> dt.date | None:
        value = self.raw.cell(self.row, key)
        try:
            parsed = parse_date(value)
        except DateDoesNotExist:
            self.problem(key, _("This date does not exist: check the day and the month."), value)
            return None
        except (ValueError, OverflowError):
            self.problem(key, _("This is not a date. Use YYYY-MM-DD or DD/MM/YYYY."), value)
            return None
        if parsed is None and BY_KEY[key].required:
            self.missing(key, value)
        return parsed


def validate_sheet(
    raw: RawSheet,
    *,
    organisation: Organisation,
    already_issued: Callable[[Iterable[IssueKey]], set[IssueKey]] | None = None,
    today: dt.date | None = None,
) -> SheetValidation:
    today = today or timezone.localdate()
    problems: list[Problem] = [
        Problem(raw.header_row, header, None, _("Unknown column: it is ignored."), "warning")
        for header in raw.unknown
    ]
    missing = [column for column in COLUMNS if column.required and column.key not in raw.columns]
    for column in missing:
        problems.append(
            Problem(
                raw.header_row,
                column.en,
                None,
                _("The required column “%(column)s” is missing.") % {"column": column.en},
            )
        )
    if missing:
        return SheetValidation(rows=[], problems=problems)
    if not raw.rows:
        problems.append(Problem(None, None, None, _("The sheet has no learner rows.")))
        return SheetValidation(rows=[], problems=problems)

    accreditations: dict[str, list[Accreditation]] = {}
    for accreditation in Accreditation.objects.filter(organisation=organisation).select_related(
        "qualification"
    ):
        accreditations.setdefault(accreditation.qualification.code.upper(), []).append(accreditation)
    known_codes = (
        {code.upper() for code in Qualification.objects.values_list("code", flat=True)}
        if accreditations
        else set()
    )
    usable = ", ".join(sorted(accreditations)) or _("none yet")

    rows: list[LearnerRow] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for raw_row in raw.rows:
        check = _RowChecker(raw, raw_row, problems)
        learner_id = check.text("learner_id", max_length=100)
        check.learner = learner_id
        if learner_id.upper().startswith(EXAMPLE_PREFIX):
            check.problem(
                "learner_id",
                _(
                    "This is one of the template's example learners: replace it with a real learner, "
                    "or delete the row."
                ),
                learner_id,
            )
        given = check.text("given_name")
        family = check.text("family_name")
        born = check.date("date_of_birth")
        email_value = check.text("email", max_length=254).lower()
        if email_value:
            try:
                _email(email_value)
            except ValidationError:
                check.problem("email", _("This is not a valid email address."), email_value)
        code = check.text("qualification_code", max_length=64).upper()
        awarded = check.date("award_date")
        valid_until = check.date("valid_until") if "valid_until" in raw.columns else None
        grade = check.text("grade", max_length=100) if "grade" in raw.columns else ""
        credits = None
        if "credits" in raw.columns:
            credits_text = _text(raw.cell(raw_row, "credits")).replace(",", ".")
            if credits_text:
                try:
                    credits = Decimal(credits_text)
                    if credits < 0 or credits > 1000:
                        raise InvalidOperation
                except InvalidOperation:
                    check.problem("credits", _("Credits must be a number between 0 and 1000."), credits_text)
                    credits = None
        language = (check.text("language", max_length=5).lower() if "language" in raw.columns else "") or "en"
        if language not in LANGUAGES:
            check.problem(
                "language", _("Unknown language code: use two letters such as en, fr or de."), language
            )
        national_id = check.text("national_id", max_length=100) if "national_id" in raw.columns else ""

        if born and (born.year < 1900 or born > today.replace(year=today.year - 10)):
            check.problem("date_of_birth", _("This date of birth is not plausible."), born)
        if awarded:
            if awarded > today:
                check.problem("award_date", _("The award date is in the future."), awarded)
            elif born and awarded <= born:
                check.problem("award_date", _("The award date is before the date of birth."), awarded)
        if valid_until and awarded and valid_until <= awarded:
            check.problem("valid_until", _("“Valid until” must be after the award date."), valid_until)
        if code:
            windows = accreditations.get(code)
            if not windows:
                message = (
                    _(
                        "Your organisation is not accredited for the qualification %(code)s. "
                        "Codes it may use: %(codes)s."
                    )
                    if code in known_codes
                    else _("Unknown qualification code %(code)s. Codes your organisation may use: %(codes)s.")
                )
                check.problem("qualification_code", message % {"code": code, "codes": usable}, code)
            elif awarded and not any(a.covers(awarded) for a in windows):
                check.problem(
                    "qualification_code",
                    _("Your organisation was not accredited for %(code)s on the award date.")
                    % {"code": code},
                    code,
                )
        if awarded and code:
            for identity in {learner_id, email_value} - {""}:
                seen_key = (identity.lower(), code, awarded)
                if seen_key in seen:
                    check.problem(
                        "learner_id" if identity == learner_id else "email",
                        _("Duplicate of row %(row)s (same learner, qualification and award date).")
                        % {"row": seen[seen_key]},
                        identity,
                    )
                    break
            for identity in {learner_id, email_value} - {""}:
                seen.setdefault((identity.lower(), code, awarded), raw_row.number)
        if check.failed or not (born and awarded):
            continue
        rows.append(
            LearnerRow(
                row_number=raw_row.number,
                learner_id=learner_id,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                email=email_value,
                qualification_code=code,
                award_date=awarded,
                valid_until=valid_until,
                grade=grade,
                credits=credits,
                language=language,
                national_id=national_id,
            )
        )
    if already_issued and rows:
        keys = {
            IssueKey(
                learner=identity, qualification_code=row.qualification_code, award_date=row.award_date
            ): row
            for row in rows
            for identity in (row.learner_id, row.email)
            if identity
        }
        found = already_issued(keys)
        flagged: set[int] = set()
        for key in found:
            row = keys[key]
            if row.row_number in flagged:
                continue
            flagged.add(row.row_number)
            problems.append(
                Problem(
                    row.row_number,
                    raw.headers[raw.columns["learner_id"]],
                    key.learner,
                    _("A credential for this learner, qualification and award date was already issued."),
                )
            )
        rows = [row for row in rows if row.row_number not in flagged]
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return SheetValidation(rows=rows, problems=problems)
