from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError
from europass.credentials.elm3 import credential_from_elm3
from europass.credentials.errors import CredentialError
from europass.credentials.jsonsafe import parse_json
from europass.credentials.model import Credential, find_credential_element
from europass.credentials.xmlsafe import parse_xml
from europass.registry.models import Organisation
from europass.sealing.errors import SealingError
from issuing.services.seals import active_seal, eidas_identifier_of, jades_sealer_for, sealer_for


class Command(BaseCommand):
    help = (
        "Seal a credential with an organisation's e-seal: Europass XML (XAdES inside <proof>, the default) or EDC 3 "
        "JSON-LD (JAdES, JWS JSON serialization). The input is an unsealed Europass XML credential, or for "
        "--format edc3 also an unsealed EDC 3 JSON-LD credential (sealed as it is, byte for byte)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="an unsealed credential: europassCredential XML, or EDC 3 JSON-LD")
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        parser.add_argument("-o", "--output", required=True, help="where to write the sealed credential")
        parser.add_argument(
            "--format",
            choices=("xml", "edc3"),
            default="xml",
            help="xml: Europass XML with XAdES (default); edc3: ELM 3 JSON-LD with JAdES",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                _("No organisation with the short name %(slug)s.") % {"slug": repr(options["organisation"])}
            )
        path = Path(options["input"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        data = path.read_bytes()
        try:
            seal = active_seal(organisation)
            if options["format"] == "edc3":
                sealed = jades_sealer_for(seal).seal(_edc3_payload(data, eidas_identifier_of(seal)))
            elif data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
                raise CommandError(_("%(path)s is JSON: seal it with --format edc3.") % {"path": path})
            else:
                Credential.from_xml(find_credential_element(parse_xml(data)))
                sealed = sealer_for(seal).seal(data)
        except CredentialError as error:
            raise CommandError(
                _("%(path)s is not a usable credential: %(reason)s")
                % {"path": path, "reason": error.message()}
            ) from None
        except ApplicationError as error:
            raise CommandError(error.message) from None
        except SealingError as error:
            raise CommandError(_("Sealing failed: %(error)s") % {"error": error.message()}) from None
        Path(options["output"]).write_bytes(sealed)
        self.stdout.write(
            self.style.SUCCESS(
                _("Sealed by %(organisation)s: %(path)s")
                % {"organisation": organisation, "path": options["output"]}
            )
        )


def _edc3_payload(data: bytes, eidas_identifier: str | None) -> str:
    """The text to seal: an EDC 3 document as given (checked to be one), or an XML credential in EDC 3."""
    from europass.credentials.edc3 import Edc3Builder

    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        payload = parse_json(data)
        if not isinstance(payload, dict):
            raise CommandError(_("The JSON is not an EDC 3 credential."))
        if "proof" in payload or "signatures" in payload or "payload" in payload:
            raise CommandError(_("This document is sealed already."))
        credential_from_elm3(payload)  # refuses what is not an EDC 3 credential, with the reason
        return data.decode("utf-8-sig")
    credential = Credential.from_xml(find_credential_element(parse_xml(data)))
    return str(Edc3Builder(eidas_identifier=eidas_identifier).payload(credential))
