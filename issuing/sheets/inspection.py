"""Looking inside an XLSX or ODS archive before python-calamine reads it. Calamine builds a dense grid (rows x
columns) of a sheet: one cell at XFD2000 is 32 million cells, one repeated ODS row millions more. So the archive's
real content is measured first, streaming, without ever building a grid or a tree:

- every XML part goes through lxml (no entity, DTD or network reference is followed; a DOCTYPE is refused), which
  proves it well-formed; the number of its elements is bounded, so inspecting takes a bounded time;
- XLSX: a ``<c>`` cell that is not self-closing (it has a value, or could have one) counts, at its own ``r``
  reference or, without one, where calamine places it (after the previous cell, in its row); the declared
  ``<dimension>`` is never trusted. The tags are found with regular expressions over the well-formed bytes, in bulk
  when cells are written the usual way (a sheet at the cell limit in one to two seconds), one by one otherwise.
  Names are matched whatever their namespace prefix;
- XLSX shared strings (``<si>``, all kept in memory by calamine) are at most as many as cells;
- ODS: a ``table-cell`` with a value, a formula or any content counts ``number-columns-repeated`` times, its row
  ``number-rows-repeated`` times; empty repeats (LibreOffice ends every sheet with a million empty rows and a
  thousand empty columns) are free and ignored. Calamine reads every table of content.xml when it opens the file:
  their grids are added up;
- text: what a reader keeps as strings, each copy counted (a shared string once per cell showing it, a repeated
  ODS cell once per repeat, ``<text:s text:c="...">`` as that many spaces), stays under ``max_text``.

Each sheet's farthest used cell must stay within the limits (rows, columns, rows x columns), and all sheets together
must stay within the cell limit. Peak memory while inspecting: a few megabytes.
"""

from __future__ import annotations

import html
import re
import zipfile
from array import array
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from europass.core.errors import ApplicationError

from .limits import SheetLimits

_CHUNK = 1 << 16
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ATTRIBUTES = rb"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
# A start tag named c, row or si, with its attributes (quoted values may hold '>') and whether it closes itself; the
# fast form for parts without namespace prefixes (what Excel writes), the other for any prefix. Over well-formed XML
# they can only misread a comment or a CDATA section, and then they count more.
_CELL_TAG = re.compile(rb"<(c|row|si)" + _ATTRIBUTES)
_CELL_TAG_PREFIXED = re.compile(rb"<" + _PREFIX + rb"(c|row|si)" + _ATTRIBUTES)
_PREFIXED_NAME = re.compile(rb":(?:c|row|si)[\s/>]")
# A whole shared string, <si>...</si> (it holds no other <si>).
_STRING = re.compile(
    rb"<"
    + _PREFIX
    + rb"""si(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(?:/>|>.*?</"""
    + _PREFIX
    + rb"si\s*>)",
    re.S,
)
_STRINGS_ROOT = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<" + _PREFIX + rb"sst[\s/>]", re.S
)
_CELL_END = re.compile(rb"</" + _PREFIX + rb"c\s*>")
_CELL_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHARED_INDEX = re.compile(rb"\s*<" + _PREFIX + rb"v\s*>\s*([0-9]{1,10})\s*<")
_R_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COMPLETE_TAG = re.compile(rb"""<[^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")
_DIGITS = b"0123456789"
# The fast form, for cells as Excel, LibreOffice and openpyxl write them: the reference first, no prefix; valued cells
# with their value when it is a bare index, and self-closing (formatting only) cells, which are just counted.
# (No space around '=': a cell written otherwise does not match, and its region is scanned cell by cell.)
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"((?:\s+[^\s=/>]+=(?:"[^"]*"|\'[^\']*\'))*)\s*(/?)>'
    rb"(?:<v>([0-9]{1,10})</v>)?"
)
# An inline-string cell as openpyxl writes it (every sheet it makes): its text runs from the end of the opening tag
# to the first </c>, as the one-by-one scan measures it.
_FAST_INLINE = re.compile(
    rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?:\s+[^\s=/>]+=(?:"[^"]*"|\'[^\']*\'))*?\s+t=(?:"inlineStr"|\'inlineStr\')'
    rb'(?:\s+[^\s=/>]+=(?:"[^"]*"|\'[^\']*\'))*\s*>(.*?)</c>',
    re.S,
)
_CELL_OPENERS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
# ODS cell attributes that say nothing about a value: a cell carrying only these is empty.
_ODS_LAYOUT = frozenset(
    {
        "style-name",
        "number-columns-repeated",
        "number-columns-spanned",
        "number-rows-spanned",
        "number-matrix-columns-spanned",
        "number-matrix-rows-spanned",
        "content-validation-name",
        "protect",
        "protected",
    }
)
# ODS cell attributes a reader keeps as text (a number or a boolean is kept as such).
_ODS_TEXT_VALUES = frozenset({"string-value", "date-value", "time-value", "currency"})
_OTHER, _TABLE, _TABLE_ROW, _TABLE_CELL, _SPACES = range(5)
_ODS_KINDS = {
    "table": _TABLE,
    "table-row": _TABLE_ROW,
    "table-cell": _TABLE_CELL,
    "covered-table-cell": _TABLE_CELL,
    "s": _SPACES,  # <text:s text:c="1000000"/>: that many spaces, and a reader writes them all out
    "tab": _SPACES,
    "line-break": _SPACES,
}
_CACHE = 4096  # tag names remembered (a hostile file can hold millions of distinct ones)


class SheetError(ApplicationError):
    """An uploaded sheet that cannot be read, with the reason for a person."""

    code = "sheet_unreadable"


def _flood() -> SheetError:
    return SheetError(
        _(
            "This file holds far more markup than a sheet of this size needs: it is refused as damaged or hostile."
        )
    )


def _damaged() -> SheetError:
    return SheetError(_("This file is damaged: it cannot be opened as a spreadsheet."))


def column_letters(number: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_number(letters: str | bytes) -> int:
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        number = number * 26 + ord(letter) - 64
    return number


def _local(name: Any) -> str:
    return str(name).rpartition("}")[2]


def element_budget(limits: SheetLimits) -> int:
    """How many XML elements a sheet within the limits can need (a cell and its value, a row, styles...)."""
    return 3 * limits.max_cells + 2 * limits.max_rows + 100_000


def element_budget_read_one_by_one(limits: SheetLimits) -> int:
    """How many elements may be looked at one by one in Python (the elements of an ODS content.xml, the cell tags
    of an XLSX sheet written unusually), which bounds the inspection's time (about 2 s): a cell tag per cell, two
    elements per ODS cell (the cell, its paragraph) for a million cells, rows, and some more."""
    return limits.max_cells + 2 * limits.max_rows + 100_000


@dataclass
class Extent:
    """What one sheet really uses: its farthest row and column holding a value, how many cells and rows hold one."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    content_rows: int = 0

    @property
    def grid(self) -> int:
        return self.rows * self.columns


class _Tally:
    """The limits, checked as sheets grow, over one archive."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits
        self.cells = 0  # cells holding a value, in all sheets
        self.grid = 0  # the grids of all sheets, added up
        self.strings = 0
        self.markup = 0  # '<' seen: elements and their end tags
        self.one_by_one = 0  # elements looked at one by one in Python
        self.text = 0  # characters a reader lays out in cells (for XLSX: bytes of text)
        self.shared_lengths = array("Q")  # XLSX: the length of each shared string (its whole <si> element)
        self.shared_parts = 0
        self.shared_references = array("Q")  # XLSX: which shared string each cell copies
        self.unknown_references = 0  # cells of shared strings whose index was not read: charged the longest

    def count_text(self, count: int) -> None:
        self.text += count
        if self.text > self.limits.max_text:
            raise SheetError(
                _(
                    "The sheet holds more text than can be read at once (more than %(max)s million characters, "
                    "a repeated or shared text counting each time it is shown). Split it into several files."
                )
                % {"max": f"{self.limits.max_text / 1e6:,.0f}"}
            )

    def finish(self) -> None:
        """XLSX: each cell showing a shared string holds its own copy once read: count those copies."""
        lengths = self.shared_lengths
        if not lengths or not (self.shared_references or self.unknown_references):
            return
        known = len(lengths)
        references = self.shared_references
        if max(references, default=0) < known:
            copied = sum(map(lengths.__getitem__, references))
        else:  # an index past the table: a reader refuses or shows nothing there
            copied = sum(lengths[i] for i in references if i < known)
        self.count_text(copied + self.unknown_references * max(lengths))

    def count_markup(self, chunk: bytes) -> None:
        self.markup += chunk.count(b"<")
        if self.markup > 2 * element_budget(self.limits):
            raise _flood()

    def count_one_by_one(self, count: int) -> None:
        self.one_by_one += count
        if self.one_by_one > element_budget_read_one_by_one(self.limits):
            raise _flood()

    def count_strings(self, count: int) -> None:
        self.strings += count
        if self.strings > self.limits.max_cells:
            raise SheetError(
                _("This file holds more texts than a sheet can have cells (at most %(max)s): it is refused.")
                % {"max": f"{self.limits.max_cells:,}"}
            )

    def grow(self, sheet: Extent, *, rows: int, columns: int, cells: int, content_rows: int) -> None:
        grid_before = sheet.grid
        sheet.rows, sheet.columns = max(sheet.rows, rows), max(sheet.columns, columns)
        sheet.cells += cells
        sheet.content_rows += content_rows
        self.cells += cells
        self.grid += sheet.grid - grid_before
        limits = self.limits
        if sheet.content_rows > limits.max_rows + 1:
            raise SheetError(
                _("The sheet has more than %(max)s rows. Split it into several files.")
                % {"max": f"{limits.max_rows:,}"}
            )
        too_far = sheet.rows > limits.max_rows + 1 or sheet.columns > limits.max_columns
        too_full = self.cells > limits.max_cells or (
            self.grid > limits.max_cells and 2 * self.cells > self.grid
        )
        if too_full and not too_far:  # simply too much content
            raise SheetError(
                _("The sheet has more than %(max)s cells. Split it into several files.")
                % {"max": f"{limits.max_cells:,}"}
            )
        if too_far or self.grid > limits.max_cells:
            raise SheetError(
                _(
                    "The sheet's content spreads as far as row %(rows)s and column %(column)s: read as a grid, that "
                    "is %(cells)s cells. At most %(max_rows)s rows, %(max_columns)s columns and %(max)s cells can be "
                    "read. Delete what lies beyond your learners' rows and columns (a single far-away cell is "
                    "enough), or split the file, then upload it again."
                )
                % {
                    "rows": f"{sheet.rows:,}",
                    "column": column_letters(sheet.columns),
                    "cells": f"{sheet.grid:,}",
                    "max_rows": f"{limits.max_rows + 1:,}",
                    "max_columns": f"{limits.max_columns:,}",
                    "max": f"{limits.max_cells:,}",
                }
            )


class _WellFormed:
    """An lxml target with no per-element callback: the parse runs at C speed and builds nothing."""

    def doctype(self, *args: Any) -> None:
        raise _damaged()

    def close(self) -> None:
        return None


class _XlsxScan:
    """The cells of one XLSX part, or its shared strings, read from the bytes (lxml proves the part well-formed
    alongside).

    Text is what a reader copies into memory: the shared strings once, again for every cell showing one, and the
    content of inline, formula, date and error strings. Numbers and booleans cost no text."""

    def __init__(self, tally: _Tally) -> None:
        self.tally = tally
        self.sheet = Extent()
        self.row = 0
        self.column = 0
        self.last_valued_row = 0
        self.carry = b""
        self.strings: bool | None = None  # a table of shared strings (root <sst>), known from the first bytes
        self.string_count = 0
        self.in_text_cell = False  # inside an inline-string cell that goes on in the next chunk
        self.letters: dict[bytes, int] = {}

    def feed(self, chunk: bytes) -> None:
        buffer = self.carry + chunk
        if self.strings is None:
            self.strings = bool(_STRINGS_ROOT.match(buffer))
        if self.strings:
            self._scan_strings(buffer, final=False)
            return
        # Scan up to the last '<' (a tag that began before it has ended), or to the end when that last tag is
        # complete too: what follows it is text.
        cut = buffer.rfind(b"<")
        if cut < 0 or _COMPLETE_TAG.match(buffer, cut):
            cut = len(buffer)
        elif len(buffer) - cut > 1 << 20:  # one tag of a megabyte: no sheet has one
            raise _damaged()
        # A short cell still open at the cut goes whole to the next chunk, so that its value is read with it.
        opened = buffer.rfind(b"<c ", max(0, cut - 4096), cut)
        if opened >= 0 and b"</c>" not in buffer[opened:cut]:
            tag = _COMPLETE_TAG.match(buffer, opened)
            if tag and not tag.group().endswith(b"/>"):
                cut = opened
        self.carry = buffer[cut:]
        self._scan_cells(buffer, cut)

    def close(self) -> None:
        if self.strings:
            self._scan_strings(self.carry, final=True)
            if self.string_count:
                self.tally.shared_parts += 1
                if self.tally.shared_parts > 1:  # two tables of shared strings: a reader picks one
                    raise _damaged()
        else:
            self._scan_cells(self.carry, len(self.carry))
        self.carry = b""

    def _scan_strings(self, buffer: bytes, *, final: bool) -> None:
        lengths = array("Q")
        end = 0
        for match in _STRING.finditer(buffer):
            lengths.append(match.end() - match.start())
            end = match.end()
        self.carry = b"" if final else buffer[end:]  # an unfinished <si> goes on in the next chunk
        if len(self.carry) > 4 << 20:  # a shared string of 4 MB: no cell holds one
            raise _damaged()
        if lengths:
            self.string_count += len(lengths)
            self.tally.shared_lengths.extend(lengths)
            self.tally.count_strings(len(lengths))
            self.tally.count_text(sum(lengths))

    def _scan_cells(self, buffer: bytes, end: int) -> None:
        tally, sheet, limits, letters_seen = self.tally, self.sheet, self.tally.limits, self.letters
        start = 0
        if self.in_text_cell:  # the rest of an inline string begun in the previous chunk
            closing = _CELL_END.search(buffer, 0, end)
            start = closing.end() if closing else end
            tally.count_text(start)
            self.in_text_cell = closing is None
        prefixed = _PREFIXED_NAME.search(buffer, start, end) is not None
        if not prefixed and self._scan_fast(buffer, start, end):
            return
        pattern = _CELL_TAG_PREFIXED if prefixed else _CELL_TAG
        row_limit, max_cells = limits.max_rows + 1, limits.max_cells
        matches = 0
        for match in pattern.finditer(buffer, start, end):
            matches += 1
            name, attributes, closed = match.group(1, 2, 3)
            if name == b"c":
                if attributes[:4] == b' r="':  # what Excel writes
                    value = attributes[4 : attributes.find(b'"', 4)]
                else:
                    found = _R_ATTRIBUTE.search(attributes) if attributes else None
                    value = (found.group(1) or found.group(2) or b"") if found else b""
                row, column = self.row or 1, 0
                if value:
                    if b"&" in value:  # a character reference: read it as an XML reader would
                        value = html.unescape(value.decode("utf-8", "replace")).encode("utf-8", "replace")
                    letters = value.rstrip(_DIGITS)
                    digits = value[len(letters) :]
                    if digits and letters and len(digits) <= 12:
                        column = letters_seen.get(letters, 0)
                        if not column and len(letters) <= 12 and letters.isalpha():
                            column = _column_number(letters.decode())
                            if len(letters_seen) < _CACHE:
                                letters_seen[letters] = column
                        if column and int(digits) > row:  # whichever of the cell's and its row's lies farther
                            row = int(digits)
                if not column:  # calamine places a cell without a reference after the previous one
                    column = self.column + 1
                self.column = column
                if closed:  # <c r="B2" s="1"/>: formatting only, calamine leaves it out
                    continue
                if b"t" in attributes:  # perhaps a type (t="s", t = 'str'...): _text reads it
                    self._text(buffer, match, attributes)
                sheet.cells += 1
                tally.cells += 1
                if row != self.last_valued_row:
                    self.last_valued_row = row
                    sheet.content_rows += 1
                if (
                    row > sheet.rows
                    or column > sheet.columns
                    or tally.cells > max_cells
                    or sheet.content_rows > row_limit
                ):
                    tally.grow(sheet, rows=row, columns=column, cells=0, content_rows=0)
            elif name == b"row":
                found = _R_ATTRIBUTE.search(attributes) if attributes else None
                value = (found.group(1) or found.group(2) or b"") if found else b""
                self.row = int(value) if value.isdigit() and len(value) <= 12 else self.row + 1
                self.column = 0
            else:  # a <si> outside a table of shared strings: a reader may take it for one, nothing counts it here
                raise _damaged()
        tally.count_one_by_one(matches)

    def _scan_fast(self, buffer: bytes, start: int, end: int) -> bool:
        """The cells of a region written the usual way, counted at C speed; False (having counted nothing) when the
        region is unusual, to be scanned cell by cell: a cell without a leading reference or with spaces around an
        '=', a formula, date or error string (their text counts), a namespace prefix. Inline strings (openpyxl's
        way) are measured here too, their text up to the cell's end."""
        region = buffer[start:end]
        if b"<si" in region:
            return False
        cells = _FAST_CELL.findall(region)
        if sum(map(region.count, _CELL_OPENERS)) != len(cells):
            return False
        if b'"/>' in region or b"'/>" in region:  # formatting-only cells among them: leave them out
            cells = [cell for cell in cells if not cell[3]]
        if not cells:
            return True
        letters, digits, attributes, _closed, indexes = zip(*cells, strict=True)
        joined = b"\x00".join(attributes)
        shared = joined.count(b' t="s"') + joined.count(b" t='s'")
        typed = joined.count(b' t="') + joined.count(b" t='")
        numbers = sum(map(joined.count, (b' t="n"', b" t='n'", b' t="b"', b" t='b'")))
        inline = joined.count(b' t="inlineStr"') + joined.count(b" t='inlineStr'")
        if typed != shared + numbers + inline:
            return False
        text = 0
        # inline strings: their text counts, as the one-by-one scan counts it; any doubt, and it scans them one by one
        if inline:
            texts = _FAST_INLINE.findall(region)
            within = b"\x00".join(texts)
            if len(texts) != inline or b"<c " in within or b"<c>" in within:  # one ran into the next cell
                return False
            text = len(within) - len(texts) + 1
        tally, sheet = self.tally, self.sheet
        column = max(map(_column_number, set(letters)))
        distinct = set(digits)
        row = max(map(int, distinct))
        # rows holding a value (exact when rows come in order, as every writer puts them)
        sheet.content_rows += len(distinct) - (int(digits[0]) == self.last_valued_row)
        self.last_valued_row = int(digits[-1])
        # where calamine would put a following cell without a reference: at most this far
        self.row, self.column = max(self.row, row), max(self.column, column)
        if shared == len(cells):  # every cell shows a shared string (a sheet of text)
            known = array("Q", map(int, filter(None, indexes)))
        elif shared:
            chosen = (
                i
                for i, kind in zip(indexes, attributes, strict=True)
                if b' t="s"' in kind or b" t='s'" in kind
            )
            known = array("Q", map(int, filter(None, chosen)))
        if shared:
            tally.shared_references.extend(known)
            tally.unknown_references += shared - len(known)
        sheet.cells += len(cells)
        tally.cells += len(cells)
        if text:
            tally.count_text(text)
        tally.grow(sheet, rows=row, columns=column, cells=0, content_rows=0)
        return True

    def _text(self, buffer: bytes, match: re.Match[bytes], attributes: bytes) -> None:
        """Charge the text a typed cell makes a reader keep: a shared string's copy, the content of an inline,
        formula, date or error string (numbers and booleans keep none)."""
        found = _CELL_TYPE.search(attributes)
        kind = (found.group(1) or found.group(2) or b"") if found else b""
        if kind == b"s":
            index = _SHARED_INDEX.match(buffer, match.end())
            if index:
                self.tally.shared_references.append(int(index.group(1)))
            else:
                self.tally.unknown_references += 1
        elif kind not in (b"", b"n", b"b"):
            closing = _CELL_END.search(buffer, match.end())
            self.tally.count_text((closing.start() if closing else len(buffer)) - match.end())
            self.in_text_cell = closing is None


class _OdsCounter:
    """An lxml target measuring the tables of an ODS part as it streams by."""

    def __init__(self, tally: _Tally) -> None:
        self.tally = tally
        self.kinds: dict[str, int] = {}
        self.elements = 0
        self.budget = element_budget_read_one_by_one(tally.limits) - tally.one_by_one
        self.table: Extent | None = None
        self.cursor = 0  # rows laid out so far in the table
        self.row_open = False
        self.row_repeat = 1
        self.row_cursor = 0  # columns laid out so far in the row
        self.row_width = 0  # up to the last cell holding a value
        self.row_cells = 0
        self.row_text = 0
        self.cell_open = False
        self.cell_repeat = 1
        self.cell_valued = False
        self.cell_text = 0

    def doctype(self, *args: Any) -> None:
        raise _damaged()

    def _kind(self, tag: str) -> int:
        kind = self.kinds.get(tag)
        if kind is None:
            kind = _ODS_KINDS.get(_local(tag), _OTHER)
            if len(self.kinds) < _CACHE:
                self.kinds[tag] = kind
        return kind

    @staticmethod
    def _repeat(attrib: Any, name: str) -> int:
        """The largest repeat count of any attribute of that local name (a second prefix cannot hide one)."""
        repeat = 1
        for key, value in attrib.items():
            if _local(key) == name:
                try:
                    repeat = max(repeat, int(value))
                except ValueError:
                    raise _damaged() from None
        return repeat

    def start(self, tag: str, attrib: Any) -> None:
        self.elements += 1
        if self.elements > self.budget:
            raise _flood()
        if self.cell_open:
            self.cell_valued = True  # <text:p>, an annotation...: any child makes the cell count
        kind = self._kind(tag)
        if kind == _OTHER:
            return
        if kind == _SPACES:
            if self.cell_open:
                self.cell_text += self._repeat(attrib, "c") if attrib else 1
        elif kind == _TABLE:
            if self.table is not None:  # a table in a cell: no sheet of learners needs one, readers disagree
                raise _damaged()
            self.table, self.cursor = Extent(), 0
        elif kind == _TABLE_ROW and self.table is not None:
            self._row_end()
            self.row_open, self.row_repeat = True, self._repeat(attrib, "number-rows-repeated")
            self.row_cursor = self.row_width = self.row_cells = self.row_text = 0
        elif kind == _TABLE_CELL and self.row_open:
            self._cell_end()
            self.cell_open = True
            self.cell_repeat = self._repeat(attrib, "number-columns-repeated") if attrib else 1
            self.cell_valued = any(_local(key) not in _ODS_LAYOUT for key in attrib)
            self.cell_text = (
                sum(len(value) for key, value in attrib.items() if _local(key) in _ODS_TEXT_VALUES)
                if self.cell_valued
                else 0
            )

    def data(self, text: str) -> None:
        if self.cell_open:
            self.cell_text += len(text)

    def end(self, tag: str) -> None:
        kind = self._kind(tag)
        if kind == _TABLE_CELL:
            self._cell_end()
        elif kind == _TABLE_ROW:
            self._row_end()
        elif kind == _TABLE:
            self._row_end()
            self.table = None

    def close(self) -> None:
        self.tally.one_by_one += self.elements

    def _cell_end(self) -> None:
        if not self.cell_open:
            return
        self.cell_open = False
        if self.cell_valued:
            self.row_cells += self.cell_repeat
            self.row_width = self.row_cursor + self.cell_repeat
            self.row_text += self.cell_text * self.cell_repeat
        self.row_cursor += self.cell_repeat

    def _row_end(self) -> None:
        if not self.row_open:
            return
        self._cell_end()
        self.row_open = False
        if self.table is None:
            return
        first, self.cursor = self.cursor, self.cursor + self.row_repeat
        if self.row_cells:
            self.tally.grow(
                self.table,
                rows=first + self.row_repeat,
                columns=self.row_width,
                cells=self.row_cells * self.row_repeat,
                content_rows=self.row_repeat,
            )
            self.tally.count_text(self.row_text * self.row_repeat)


def _utf8_head(head: bytes) -> None:
    """The XLSX scan reads bytes: a part in another encoding is refused (Excel writes UTF-8)."""
    declared = _ENCODING.match(head)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise _damaged()
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise _damaged()


def _looks_like_xml(head: bytes) -> bool:
    """Whether a part is XML, whatever its name (a reader finds parts through relationships, not extensions): it
    starts with '<', perhaps after a byte-order mark and spaces (however many), or is UTF-16. Images and binaries
    are not."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        return True
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return not stripped or stripped[:1] == b"<"


def inspect_archive(archive: zipfile.ZipFile, limits: SheetLimits, *, kind: str) -> None:
    """Stream every XML part of the archive (kind: xlsx or ods) and refuse it, with a SheetError saying why, when
    its real content exceeds the limits or is not well-formed XML."""
    tally = _Tally(limits)
    for entry in archive.infolist():
        if entry.is_dir():
            continue
        # ODS: calamine reads the tables of content.xml; the other parts are only proven well-formed
        target: _WellFormed | _OdsCounter = (
            _OdsCounter(tally) if kind == "ods" and entry.filename == "content.xml" else _WellFormed()
        )
        scan = _XlsxScan(tally) if kind == "xlsx" else None
        parser = etree.XMLParser(
            target=target, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            with archive.open(entry) as handle:
                chunk = handle.read(_CHUNK)
                if not chunk or not _looks_like_xml(chunk):
                    continue
                if scan is not None:
                    _utf8_head(chunk)
                while chunk:
                    tally.count_markup(chunk)
                    if scan is not None:
                        scan.feed(chunk)
                    parser.feed(chunk)
                    chunk = handle.read(_CHUNK)
            parser.close()
            if scan is not None:
                scan.close()
        except ApplicationError:
            raise
        except (etree.LxmlError, zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError):
            # malformed XML, a bad CRC (sizes that lie), an encrypted part...
            raise _damaged() from None
    tally.finish()
