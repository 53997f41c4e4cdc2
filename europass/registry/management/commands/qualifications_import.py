"""python manage.py qualifications_import FILE [--format csv|xml]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from europass.core.errors import ApplicationError
from europass.registry.services import QualificationImportError, qualifications_format, qualifications_import


class Command(BaseCommand):
    help = (
        "Create or update qualifications from a CSV or XML file (columns and schema: europass/registry/exchange.py). "
        "All or nothing: any bad row is reported and nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["csv", "xml"], help="default: from the file's extension")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            fmt = options["format"] or qualifications_format(path.name)
            data = path.read_bytes()
            result = qualifications_import(data=data, fmt=fmt)
        except QualificationImportError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Nothing was imported: {len(error.problems)} problem(s).") from error
        except ApplicationError as error:
            raise CommandError(error.message) from error
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.created)} qualification(s) created, {len(result.updated)} updated."
            )
        )
