"""python manage.py trusted_list_import FILE [--signer-cert PEM] [--seals-only]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from europass.core.errors import ApplicationError
from europass.registry.services import trusted_list_import


class Command(BaseCommand):
    help = (
        "Import the qualified CAs of an ETSI TS 119 612 trusted list as trust anchors (granted CA/QC services; "
        "those with ForeSeals become qualified for seals). Re-importing is safe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the trusted list (XML)")
        parser.add_argument(
            "--signer-cert",
            type=Path,
            help="PEM certificate of the list's signer (from the EU list of trusted lists): the list's signature "
            "must verify with it, else nothing is imported",
        )
        parser.add_argument(
            "--seals-only",
            action="store_true",
            help="skip qualified CAs that are not qualified for electronic seals (default: import them, "
            "not qualified for seals)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = options["file"].read_bytes()
            signer = options["signer_cert"].read_bytes() if options["signer_cert"] else None
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = trusted_list_import(data=data, signer_cert_pem=signer, seals_only=options["seals_only"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"WARNING: {warning}"))
        if result.signature_checked:
            self.stdout.write(self.style.SUCCESS("The trusted list's signature is valid."))
        for label, anchors in (
            ("added", result.added),
            ("updated", result.updated),
            ("unchanged", result.unchanged),
        ):
            for anchor in anchors:
                flag = "qualified for seals" if anchor.qualified_for_seals else "not qualified for seals"
                state = "" if anchor.active else ", inactive"
                self.stdout.write(
                    f"{label}: {anchor.name} ({flag}{state}) sha256={anchor.fingerprint_sha256}"
                )
        for name, reason in result.skipped:
            self.stdout.write(f"skipped: {name}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Trusted list {result.territory}: {len(result.added)} added, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged, {len(result.skipped)} skipped."
            )
        )
