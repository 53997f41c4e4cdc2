from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from europass.credentials.example import example_credential


class Command(BaseCommand):
    help = "Write an unsealed example credential (demo awarding body, demo learner, DEMO-BACHELOR-CS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="FILE.xml")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        output.write_bytes(example_credential(site=settings.SITE_URL).to_xml())
        self.stdout.write(self.style.SUCCESS(f"Unsealed example credential written to {output}."))
