"""python manage.py qualifications_export [-o FILE] [--format csv|xml]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from europass.registry.services import qualifications_export


class Command(BaseCommand):
    help = "Export every qualification as CSV or XML (to standard output unless -o is given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", type=Path)
        parser.add_argument("--format", choices=["csv", "xml"], help="default: from -o's extension, else csv")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        fmt = options["format"]
        if fmt is None:
            suffix = output.suffix.lower().lstrip(".") if output else ""
            fmt = suffix if suffix in {"csv", "xml"} else "csv"
        data = qualifications_export(fmt=fmt)
        if output is None:
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
