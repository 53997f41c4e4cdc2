from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from europass.registry.models import Organisation
from europass.registry.selectors import accredited_qualifications
from issuing.sheets import build_template_csv, build_template_xlsx


class Command(BaseCommand):
    help = "Write the spreadsheet template of an organisation (XLSX, or CSV when the file name ends in .csv)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        parser.add_argument("--lang", default="en", choices=["en", "fr"])

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with the short name {options['organisation']!r}.")
        codes = list(accredited_qualifications(organisation).values_list("code", flat=True))
        output = Path(options["output"])
        with translation.override(options["lang"]):
            builder = build_template_csv if output.suffix.lower() == ".csv" else build_template_xlsx
            output.write_bytes(builder(qualification_codes=codes, lang=options["lang"]))
        self.stdout.write(
            self.style.SUCCESS(f"Template written to {output} ({len(codes)} qualification codes).")
        )
