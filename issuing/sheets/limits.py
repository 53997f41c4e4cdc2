"""Limits on uploaded sheets, from settings, enforced before a whole file is read."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class SheetLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000
    max_cells: int = 2_000_000
    max_columns: int = 1_000  # the template has 12; a sheet reaching column ALL is not a sheet of learners
    max_text: int = (
        32 * 1024 * 1024
    )  # characters in all cells, as a reader lays them out (a repeat is a copy)
    max_uncompressed: int = 200 * 1024 * 1024
    max_entries: int = 2_000

    @classmethod
    def from_settings(cls) -> SheetLimits:
        return cls(
            max_bytes=getattr(settings, "SHEET_MAX_BYTES", cls.max_bytes),
            max_rows=getattr(settings, "SHEET_MAX_ROWS", cls.max_rows),
            max_cells=getattr(settings, "SHEET_MAX_CELLS", cls.max_cells),
            max_columns=getattr(settings, "SHEET_MAX_COLUMNS", cls.max_columns),
            max_text=getattr(settings, "SHEET_MAX_TEXT", cls.max_text),
            max_uncompressed=getattr(settings, "SHEET_MAX_UNCOMPRESSED", cls.max_uncompressed),
        )
