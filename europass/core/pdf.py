"""The credential as an A4 PDF (WeasyPrint): the visual representation, a QR code and the sealed document attached.

Uploading the PDF to the verifier verifies the attached document, byte-identical to the sealed one: Europass XML as
``credential.xml`` (``application/xml``), an EDC 3 credential as ``credential.jsonld`` (``application/ld+json``).
The renderer never fetches anything from the network: only data URIs and this portal's own static and media files.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import get_template, render_to_string
from django.utils import translation

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

ATTACHMENT_NAME = "credential.xml"
JSON_ATTACHMENT_NAME = "credential.jsonld"
# WeasyPrint types an attachment from its name: make sure .jsonld is known where the system's table does not say.
mimetypes.add_type("application/ld+json", ".jsonld")


def _attachment_of(document: bytes) -> tuple[str, str]:
    """(name, description) of the sealed document attached to the PDF: JSON (first byte ``{`` after a byte order
    mark and white space) is an EDC 3 credential, anything else Europass XML."""
    head = document[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"{":
        return JSON_ATTACHMENT_NAME, "Sealed European Digital Credential (EDC 3 JSON-LD)"
    return ATTACHMENT_NAME, "Sealed Europass credential (XML)"


@functools.cache
def design_version() -> str:
    """A fingerprint of the PDF's templates and stylesheets: part of the cache key, so a new design re-renders."""
    digest = hashlib.sha256()
    for name in (
        "credentials/pdf.html",
        "credentials/_visual.html",
        "credentials/_rich.html",
        "credentials/_rich_activities.html",
        "credentials/_rich_entitlements.html",
    ):
        origin = getattr(get_template(name), "origin", None)
        digest.update(Path(origin.name).read_bytes() if origin is not None else name.encode())
    for name in ("wallet/pdf.css", "wallet/visual.css"):
        found = finders.find(name)
        if isinstance(found, str):
            digest.update(Path(found).read_bytes())
    return digest.hexdigest()[:16]


def qr_svg_data_uri(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def _local_file(url: str) -> Path | None:
    """The file behind one of this portal's static or media URLs, or None."""
    site = settings.SITE_URL.rstrip("/")
    path = url[len(site) :] if url.startswith(site + "/") else ""
    if path.startswith(settings.STATIC_URL):
        name = path[len(settings.STATIC_URL) :]
        if settings.STATIC_ROOT:  # collected files, with their hashed names when DEBUG is off
            root = Path(settings.STATIC_ROOT).resolve()
            candidate = (root / name).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        try:
            found = finders.find(name)
        except SuspiciousFileOperation:  # "../" out of the static folders
            return None
        return Path(found) if isinstance(found, str) else None
    if path.startswith(settings.MEDIA_URL):
        root = Path(settings.MEDIA_ROOT).resolve()
        candidate = (root / path[len(settings.MEDIA_URL) :]).resolve()
        return candidate if candidate.is_relative_to(root) and candidate.is_file() else None
    return None


def local_only_fetcher() -> Any:
    """WeasyPrint's fetcher for every PDF we render: data URIs and this portal's own static and media files,
    nothing from the network or the file system (an SVG logo chosen by a sealer may point anywhere)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            local = _local_file(url)
            if local is None:
                raise ValueError("the PDF renderer fetches nothing outside the portal")
            mime = "text/css" if local.suffix == ".css" else ""
            return URLFetcherResponse(url, local.read_bytes(), {"Content-Type": mime} if mime else {})

    return LocalOnlyFetcher(allowed_protocols=("data", "http", "https"))


def render_pdf(
    *, xml: bytes, visual: dict[str, Any], qr_url: str, lang: str, link_until: dt.datetime | None = None
) -> bytes:
    """Render the credential: A4, its visual representation, a QR code for ``qr_url``, the sealed document
    (``xml``: Europass XML or EDC 3 JSON-LD, byte for byte) attached.

    ``qr_url`` is a verifier's page (where the PDF itself is uploaded) unless ``link_until`` is given: then it is
    a share link that opens this credential, and the PDF says until when."""
    from weasyprint import HTML, Attachment

    name, description = _attachment_of(xml)
    with translation.override(lang):
        html = render_to_string(
            "credentials/pdf.html",
            {
                "visual": visual,
                "qr": qr_svg_data_uri(qr_url),
                "qr_url": qr_url,
                "link_until": link_until,
                "attachment_name": name,
            },
        )
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=local_only_fetcher())
    attachment = Attachment(string=xml, name=name, description=description, base_url=None)
    return bytes(document.write_pdf(attachments=[attachment]))


def pdf_of_sealed(*, xml: bytes, qr_url: str, lang: str) -> bytes:
    """The PDF of a sealed credential, for issuers (batch zips): the seal summary from the core verifier."""
    from europass.credentials.model import Credential
    from europass.registry.selectors import trust_store
    from europass.sealing.verify import verify

    from .visual import visual_context

    report = verify(xml, trust_store())
    signed = report.credential or Credential.from_xml(xml)
    visual = visual_context(signed, seal=report.seal, status=None, lang=lang)
    return render_pdf(xml=xml, visual=visual, qr_url=qr_url, lang=lang)
