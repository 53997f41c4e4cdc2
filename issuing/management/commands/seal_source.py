"""Choose where an organisation's e-seal key lives, and prove that it works.

    python manage.py seal_source --organisation SLUG pkcs11 --module PATH --token-label L (--key-label K | --key-id HEX)
                                 --pin-env NAME [--certificate PEM] [--chain PEM]
    python manage.py seal_source --organisation SLUG csc --url URL --client-id ID --credential-id CID
                                 [--secret-env NAME] [--pin-env NAME] [--batch-size 100]
    python manage.py seal_source --organisation SLUG software     # back to the uploaded key
    python manage.py seal_source --organisation SLUG test         # seal and verify a test document: exit 0 / 1
    python manage.py seal_source --organisation SLUG              # show the active source

Secrets (a token's PIN, a service's client secret and PIN) are read from the environment variables named by
--pin-env / --secret-env, here and in every worker: they are never stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError
from europass.registry.models import Organisation
from europass.sealing.csc import CscConfig
from europass.sealing.token_keys import Pkcs11Config
from issuing.models import OrganisationSeal
from issuing.services.seals import (
    seal_level,
    seal_source_csc,
    seal_source_pkcs11,
    seal_source_software,
    seal_source_test,
)

ACTOR = "command line"


def describe(seal: OrganisationSeal | None) -> str:
    if seal is None:
        return _("no e-seal installed")
    facts: dict[str, object] = {
        "source": seal.get_source_display(),
        "subject": seal.subject,
        "day": f"{seal.not_after:%Y-%m-%d}",
    }
    if seal.source == OrganisationSeal.Source.PKCS11:
        config = Pkcs11Config.from_json(seal.source_config)
        return _(
            "%(source)s on token %(token)s, key %(key)s (%(module)s), PIN from $%(pin_env)s: %(subject)s, "
            "valid until %(day)s"
        ) % {
            **facts,
            "token": repr(config.token_label),
            "key": repr(config.key_name),
            "module": config.module,
            "pin_env": config.pin_env,
        }
    if seal.source == OrganisationSeal.Source.CSC:
        remote = CscConfig.from_json(seal.source_config)
        return _(
            "%(source)s at %(url)s, credential %(credential)s, client %(client)s: %(subject)s, valid until %(day)s"
        ) % {
            **facts,
            "url": remote.url,
            "credential": repr(remote.credential_id),
            "client": repr(remote.client_id),
        }
    return _("%(source)s: %(subject)s, valid until %(day)s") % facts


class Command(BaseCommand):
    help = "Show, choose (software key or PKCS#11 token) and test where an organisation's e-seal key lives."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        sources = parser.add_subparsers(dest="source")
        token = sources.add_parser("pkcs11", help="a key on a PKCS#11 token or HSM")
        token.add_argument("--module", required=True, help="the PKCS#11 library (.so) of the token or HSM")
        token.add_argument("--token-label", required=True)
        token.add_argument("--key-label", default="")
        token.add_argument("--key-id", default="", help="the key's CKA_ID in hexadecimal")
        token.add_argument("--pin-env", required=True, help="the environment variable holding the user PIN")
        token.add_argument("--certificate", help="the seal certificate (PEM), when the token holds none")
        token.add_argument("--chain", help="intermediate certificates (PEM), when the token holds none")
        remote = sources.add_parser("csc", help="a credential of a remote signing service (CSC API v2)")
        remote.add_argument("--url", required=True, help="the API base, e.g. https://tsp.example/csc/v2")
        remote.add_argument("--client-id", required=True, help="the OAuth2 client id")
        remote.add_argument("--credential-id", required=True)
        remote.add_argument(
            "--secret-env", default="", help="the environment variable holding the client secret"
        )
        remote.add_argument("--pin-env", default="", help="the environment variable holding the PIN (SCAL2)")
        remote.add_argument("--batch-size", type=int, default=100, help="hashes per signHash call (at most)")
        remote.add_argument(
            "--otp",
            action="store_true",
            help="each batch is authorised with a one-time password (on its page)",
        )
        sources.add_parser("software", help="back to the uploaded (software) key")
        sources.add_parser("test", help="seal and verify a test document with the active e-seal")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                _("No organisation with the short name %(slug)s.") % {"slug": repr(options["organisation"])}
            )
        source = options.get("source")
        try:
            if source == "pkcs11":
                if not (options["key_label"] or options["key_id"]):
                    raise CommandError(_("Name the key: --key-label or --key-id."))
                config = Pkcs11Config(
                    module=options["module"],
                    token_label=options["token_label"],
                    key_label=options["key_label"],
                    key_id=options["key_id"],
                    pin_env=options["pin_env"],
                )
                seal = seal_source_pkcs11(
                    organisation=organisation,
                    actor=ACTOR,
                    config=config,
                    certificate_pem=_read(options.get("certificate")),
                    chain_pem=_read(options.get("chain")),
                    by_operator=True,
                )
                self.stdout.write(_now(organisation, seal))
            elif source == "csc":
                seal = seal_source_csc(
                    organisation=organisation,
                    actor=ACTOR,
                    config=CscConfig(
                        url=options["url"],
                        client_id=options["client_id"],
                        credential_id=options["credential_id"],
                        secret_env=options["secret_env"],
                        pin_env=options["pin_env"],
                        batch_size=max(1, options["batch_size"]),
                        otp=options["otp"],
                    ),
                    by_operator=True,
                )
                self.stdout.write(_now(organisation, seal))
            elif source == "software":
                seal = seal_source_software(organisation=organisation, actor=ACTOR, by_operator=True)
                self.stdout.write(_now(organisation, seal))
            elif source == "test":
                result = seal_source_test(organisation=organisation, actor=ACTOR)
                self.stdout.write(
                    _("%(organisation)s: %(message)s (%(formats)s, %(level)s, %(milliseconds)s ms)")
                    % {
                        "organisation": organisation.slug,
                        "message": result.message,
                        "formats": ", ".join(result.formats) or _("no format"),
                        "level": result.level,
                        "milliseconds": f"{result.milliseconds:.0f}",
                    }
                )
                if not result.ok:
                    raise CommandError(_("The e-seal test failed."))
            else:
                active = OrganisationSeal.objects.filter(organisation=organisation, active=True).first()
                self.stdout.write(
                    _("%(organisation)s: %(seal)s; seal level %(level)s")
                    % {"organisation": organisation.slug, "seal": describe(active), "level": seal_level()}
                )
        except ApplicationError as error:
            raise CommandError(error.message) from None


def _now(organisation: Organisation, seal: OrganisationSeal) -> str:
    return _("%(organisation)s: the e-seal is now %(seal)s") % {
        "organisation": organisation.slug,
        "seal": describe(seal),
    }


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    file = Path(path)
    if not file.is_file():
        raise CommandError(_("No such file: %(path)s") % {"path": path})
    return file.read_bytes()
