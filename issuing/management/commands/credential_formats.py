"""Show or choose the formats an organisation's credentials are sealed in: Europass XML (XAdES), EDC 3 JSON-LD
(JAdES), or both.

    python manage.py credential_formats --organisation SLUG            # show
    python manage.py credential_formats --organisation SLUG edc3|xml|both
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError
from europass.registry.models import Organisation
from issuing.services.seals import formats_choose, seal_level


class Command(BaseCommand):
    help = "Show or choose the formats an organisation's credentials are sealed in (xml, edc3 or both)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        parser.add_argument(
            "formats", nargs="?", choices=Organisation.CredentialFormats.values, help="xml, edc3 or both"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                _("No organisation with the short name %(slug)s.") % {"slug": repr(options["organisation"])}
            )
        if options["formats"]:
            try:
                formats_choose(
                    organisation=organisation,
                    actor="command line",
                    formats=options["formats"],
                    by_operator=True,
                )
            except ApplicationError as error:
                raise CommandError(error.message) from None
        self.stdout.write(
            _("%(organisation)s: %(formats)s (%(formats_name)s), seal level %(level)s")
            % {
                "organisation": organisation.slug,
                "formats": organisation.credential_formats,
                "formats_name": organisation.get_credential_formats_display(),
                "level": seal_level(),
            }
        )
