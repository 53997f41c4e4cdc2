"""``python manage.py credential_verify FILE [--json] [--trust-anchor PEM ...] [--lang fr]``

Verifies a sealed credential — Europass XML (ELM v2, XAdES), EDC 3 JSON-LD (ELM 3, JAdES), or a PDF carrying
either — with the same engine as the page and the API. The file's bytes are verified exactly as read.
Exit status: 0 valid (no check failed), 1 a check failed, 2 unusable input (unreadable, unsafe, not a credential).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from europass.registry.selectors import trust_store
from europass.sealing.errors import SealingError
from europass.sealing.report import CheckStatus
from europass.sealing.trust import TrustAnchor, load_pem_certificates
from verification.reading import UnusableInput
from verification.services import verify_upload

MARKS = {"passed": "✓", "failed": "✗", "warning": "!", "not_applicable": "–"}
VERDICTS = {
    "verified": gettext_lazy("VERIFIED"),
    "partially_verified": gettext_lazy("PARTIALLY VERIFIED"),
    "failed": gettext_lazy("FAILED"),
}


class Command(BaseCommand):
    help = (
        "Verify a sealed Europass credential (XML, JSON-LD or PDF). Exit 0 valid, 1 a check failed, 2 unusable "
        "input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            help="The credential: sealed XML or JSON-LD, or a PDF carrying it ('-' reads stdin)",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")
        parser.add_argument(
            "--trust-anchor",
            action="append",
            default=[],
            metavar="PEM",
            help="Also trust this root certificate (PEM file; may be repeated)",
        )
        parser.add_argument(
            "--qualified",
            action="store_true",
            help="The --trust-anchor certificates are qualified for e-seals",
        )
        parser.add_argument(
            "--lang",
            default="en",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the messages",
        )

    def _fail(self, message: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"valid": False, "error": message}, ensure_ascii=False))
        else:
            self.stderr.write(message)
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._verify(options)

    def _verify(self, options: dict[str, Any]) -> None:
        as_json: bool = options["json"]
        lang: str = options["lang"]
        try:
            data = sys.stdin.buffer.read() if options["file"] == "-" else Path(options["file"]).read_bytes()
        except OSError as error:
            self._fail(
                _("Cannot read %(file)s: %(reason)s") % {"file": options["file"], "reason": error.strerror},
                as_json,
            )
        trust = trust_store()
        extra: list[TrustAnchor] = []
        for path in options["trust_anchor"]:
            try:
                for der in load_pem_certificates(Path(path).read_bytes()):
                    extra.append(
                        TrustAnchor(der, name=Path(path).name, qualified_for_seals=options["qualified"])
                    )
            except (OSError, SealingError, ValueError) as error:
                raise CommandError(
                    _("Cannot use the trust anchor %(path)s: %(error)s") % {"path": path, "error": error}
                ) from error
        if extra:
            trust = trust.with_anchors(extra)
        try:
            report = verify_upload(data=data, filename=options["file"], trust=trust)
        except UnusableInput as error:
            self._fail(str(error.message), as_json)
        well_formed = report.check("well_formed")
        unusable = well_formed is not None and well_formed.status == CheckStatus.FAILED
        if as_json:
            self.stdout.write(json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(str(VERDICTS[report.verdict]))
            if report.credential is not None:
                summary = report.to_dict(lang)["credential"]
                self.stdout.write(f"  {summary['title']} — {summary['holder']['name']}")
                self.stdout.write(f"  {summary['awarding_body']['name']} · {summary['issued']}")
            for check in report.checks:
                self.stdout.write(f"{MARKS[check.status.value]} {check.code}: {check.message(lang)}")
        if unusable:
            sys.exit(2)
        if not report.valid:
            sys.exit(1)
