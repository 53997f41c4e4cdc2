"""python manage.py wallet_verdicts: record the verifier's verdict of uploaded credentials kept without one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wallet.models import WalletCredential
from wallet.services import credential_verdict_record


class Command(BaseCommand):
    help = (
        "Verify again the credentials citizens uploaded before their verdict was recorded (or every uploaded one with "
        "--all) and record the verdict their card shows, with what the verifier could not confirm."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="every uploaded credential, not only those without"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = WalletCredential.objects.filter(source=WalletCredential.Source.UPLOADED)
        if not options["all"]:
            credentials = credentials.filter(verdict="")
        counts: dict[str, int] = {}
        for credential in credentials.iterator(chunk_size=100):
            verdict = credential_verdict_record(credential=credential)
            counts[verdict] = counts.get(verdict, 0) + 1
        summary = (
            ", ".join(f"{verdict}: {count}" for verdict, count in sorted(counts.items())) or "none to verify"
        )
        self.stdout.write(f"Recorded verdicts ({summary}).")
