from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from europass.core.errors import ApplicationError
from europass.credentials.errors import CredentialError
from europass.credentials.model import Credential, find_credential_element
from europass.credentials.xmlsafe import parse_xml
from europass.registry.models import Organisation
from issuing.services.seals import active_seal, sealer_for


class Command(BaseCommand):
    help = "Seal a Europass credential XML with an organisation's e-seal (XAdES Baseline B inside <proof>)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="an unsealed europassCredential XML file")
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        parser.add_argument("-o", "--output", required=True, help="where to write the sealed XML")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with the short name {options['organisation']!r}.")
        path = Path(options["input"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        data = path.read_bytes()
        try:
            Credential.from_xml(find_credential_element(parse_xml(data)))
            sealed = sealer_for(active_seal(organisation)).seal(data)
        except CredentialError as error:
            raise CommandError(f"{path} is not a usable credential: {error}") from None
        except ApplicationError as error:
            raise CommandError(error.message) from None
        Path(options["output"]).write_bytes(sealed)
        self.stdout.write(self.style.SUCCESS(f"Sealed by {organisation}: {options['output']}"))
