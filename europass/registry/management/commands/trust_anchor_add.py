"""python manage.py trust_anchor_add PEM [--name NAME] [--qualified-for-seals]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from europass.core.errors import ApplicationError
from europass.registry.services import trust_anchor_add


class Command(BaseCommand):
    help = "Add a CA certificate (PEM or DER file) as a trust anchor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--name", default="", help="a name for people (default: the certificate's subject)"
        )
        parser.add_argument("--qualified-for-seals", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            anchor = trust_anchor_add(
                pem=data, name=options["name"], qualified_for_seals=options["qualified_for_seals"]
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(f"Added {anchor.name} sha256={anchor.fingerprint_sha256}"))
