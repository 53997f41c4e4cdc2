"""python manage.py credential_pdf SEALED.xml -o OUT.pdf: the wallet's PDF of a sealed credential."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from europass.credentials.errors import CredentialError
from wallet.presenting import pdf_for_xml


class Command(BaseCommand):
    help = (
        "Render a sealed credential as the wallet's A4 PDF (visual representation, QR code, sealed document "
        "attached as credential.xml, or credential.jsonld for EDC 3 JSON-LD). Outside a wallet there is no share link: the QR code opens the portal's verifier "
        "(where the PDF itself can be uploaded) unless --qr-url gives another address."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("xml", type=Path, help="the sealed credential (XML, or EDC 3 JSON-LD)")
        parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the PDF")
        parser.add_argument("--lang", choices=["en", "fr"], default="en", help="language of the labels")
        parser.add_argument("--qr-url", default="", help="address the QR code opens (default: the verifier)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["xml"]
        try:
            xml = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        qr_url = options["qr_url"] or settings.SITE_URL + reverse("verification:index")
        try:
            pdf = pdf_for_xml(xml=xml, qr_url=qr_url, lang=options["lang"])
        except CredentialError as error:
            raise CommandError(str(error)) from None
        options["output"].write_bytes(pdf)
        self.stdout.write(f"{options['output']}: {len(pdf)} bytes")
