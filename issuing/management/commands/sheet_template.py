from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from europass.registry.models import Organisation
from europass.registry.selectors import accredited_qualifications
from issuing.sheets import build_template_csv, build_template_xlsx


class Command(BaseCommand):
    help = "Write the spreadsheet template of an organisation (XLSX, or CSV when the file name ends in .csv)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        parser.add_argument("--lang", default="en", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                _("No organisation with the short name %(slug)s.") % {"slug": repr(options["organisation"])}
            )
        codes = list(accredited_qualifications(organisation).values_list("code", flat=True))
        output = Path(options["output"])
        with translation.override(options["lang"]):
            builder = build_template_csv if output.suffix.lower() == ".csv" else build_template_xlsx
            output.write_bytes(builder(qualification_codes=codes, lang=options["lang"]))
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Template written to %(path)s (%(count)s qualification code).",
                    "Template written to %(path)s (%(count)s qualification codes).",
                    len(codes),
                )
                % {"path": output, "count": len(codes)}
            )
        )
