from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from europass.credentials.example import example_credential


class Command(BaseCommand):
    help = (
        "Write an unsealed example credential (demo awarding body, demo learner, DEMO-BACHELOR-CS): Europass XML "
        "(the default) or EDC 3 JSON-LD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="FILE.xml or FILE.jsonld")
        parser.add_argument(
            "--format",
            choices=("xml", "edc3"),
            default="xml",
            help="xml: Europass XML, ELM v2 (default); edc3: ELM 3 JSON-LD",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        credential = example_credential(site=settings.SITE_URL)
        if options["format"] == "edc3":
            from europass.credentials.edc3 import edc3_payload, to_edc3

            output.write_text(edc3_payload(to_edc3(credential)), encoding="utf-8")
        else:
            output.write_bytes(credential.to_xml())
        self.stdout.write(
            self.style.SUCCESS(_("Unsealed example credential written to %(path)s.") % {"path": output})
        )
