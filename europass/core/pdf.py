"""The credential as an A4 PDF (WeasyPrint): the visual representation, a QR code and the sealed document attached.

Uploading the PDF to the verifier verifies the attached document, byte-identical to the sealed one: Europass XML as
``credential.xml`` (``application/xml``), an EDC 3 credential as ``credential.jsonld`` (``application/ld+json``).
The renderer never fetches anything from the network: only data URIs and this portal's own static and media files.

Every PDF of the portal (credential, verification report, the issuer's batch zips) is PDF/A-3b and tagged
(``archival_pdf``): fonts embedded, an sRGB output intent, XMP metadata (title, language), a structure tree in
reading order with text alternatives for images (the QR code is a Figure with ``/Alt``), ``/Lang``, and the sealed
document attached as an associated file of the whole PDF (``/AF`` on the catalog, ``/AFRelationship /Source``), as
PDF/A-3 and Factur-X attach the data a document is a rendering of.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import get_template, render_to_string
from django.utils import translation

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

ATTACHMENT_NAME = "credential.xml"
JSON_ATTACHMENT_NAME = "credential.jsonld"
# What every PDF of the portal is: ISO 19005-3 level B (archivable, fonts embedded, colours defined, metadata in
# XMP, attachments as associated files), tagged for accessibility. Part of the design version: a change re-renders.
PDF_VARIANT = "pdf/a-3b"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"


class PdfAttachment(NamedTuple):
    """A document a PDF is a rendering of, attached to it as an associated file."""

    data: bytes
    name: str
    media_type: str  # the embedded file's /Subtype
    description: str


def _attachment_of(document: bytes) -> PdfAttachment:
    """The sealed document as attached to the PDF: JSON (first byte ``{`` after a byte order mark and white space)
    is an EDC 3 credential, anything else Europass XML."""
    head = document[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"{":
        return PdfAttachment(
            document,
            JSON_ATTACHMENT_NAME,
            "application/ld+json",
            "Sealed European Digital Credential (EDC 3 JSON-LD)",
        )
    return PdfAttachment(document, ATTACHMENT_NAME, "application/xml", "Sealed Europass credential (XML)")


@functools.cache
def design_version() -> str:
    """A fingerprint of the PDF's templates and stylesheets: part of the cache key, so a new design re-renders."""
    digest = hashlib.sha256(f"{PDF_VARIANT}+tagged".encode())
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


def _with_language(xmp: bytes, lang: str) -> bytes:
    """The XMP packet with ``dc:language`` (PDF/A keeps the document's metadata in XMP; WeasyPrint writes the
    title there, not the language)."""
    head, found, rest = xmp.partition(b"<rdf:RDF")
    body, end, tail = rest.rpartition(b"</rdf:RDF>")
    if not (found and end):
        return xmp
    rdf = ElementTree.fromstring(found + body + end)  # noqa: S314 - the packet WeasyPrint has just written
    description = ElementTree.SubElement(rdf, f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
    bag = ElementTree.SubElement(ElementTree.SubElement(description, f"{{{_DC}}}language"), f"{{{_RDF}}}Bag")
    ElementTree.SubElement(bag, f"{{{_RDF}}}li").text = lang
    return head + ElementTree.tostring(rdf, encoding="utf-8", xml_declaration=False) + tail


def _finish(lang: str, media_types: dict[str, str]) -> Any:
    """WeasyPrint's finisher: each associated file once in ``/AF`` (WeasyPrint lists each twice), with the media
    type we give it (WeasyPrint guesses one from the name: ``text/xml``), the language in the XMP metadata."""

    def finish(document: Any, pdf: Any) -> None:
        import pydyf

        listed = pdf.catalog.get("AF")
        if listed:
            pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(listed))
            for reference in pdf.catalog["AF"]:
                spec = pdf.objects[int(reference.split()[0])]
                media_type = media_types.get(getattr(spec["UF"], "string", ""))
                if media_type:
                    stream = pdf.objects[int(spec["EF"]["F"].split()[0])]
                    stream.extra["Subtype"] = "/" + media_type.replace("/", "#2f")
        reference = pdf.catalog.get("Metadata")
        if reference is not None and lang:
            stream = pdf.objects[int(reference.split()[0])]
            stream.stream = [_with_language(b"".join(stream.stream), lang)]

    return finish


_LINK = re.compile(r'<link rel="stylesheet" href="([^"<>]+)"(?: media="([^"<>]*)")?>')
_PRINTED = {"all", "print"}
_renderers = threading.local()


def _fonts() -> Any:
    """One WeasyPrint font configuration per thread, kept: building one costs a few milliseconds a PDF."""
    fonts = getattr(_renderers, "fonts", None)
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _renderers.fonts = FontConfiguration()
    return fonts


def _stylesheet(url: str, path: Path) -> Any:
    """The portal's stylesheet at ``url`` (the file ``path``), parsed once per thread and kept while the file is
    unchanged: parsing our stylesheets was a third of a credential's render."""
    from weasyprint import CSS

    stat = path.stat()
    key = (url, stat.st_mtime_ns, stat.st_size)
    sheets: dict[tuple[str, int, int], Any] | None = getattr(_renderers, "sheets", None)
    if sheets is None:
        sheets = _renderers.sheets = {}
    sheet = sheets.get(key)
    if sheet is None:
        sheet = sheets[key] = CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=url,
            url_fetcher=local_only_fetcher(),
            media_type="print",
            font_config=_fonts(),
        )
    return sheet


def _with_parsed_stylesheets(html: str) -> tuple[str, list[Any]]:
    """``html`` without its links to the portal's own stylesheets, and those stylesheets, parsed (kept between
    renders), in their order. A link to a screen-only stylesheet goes (a PDF is print); any other link stays, for
    WeasyPrint to fetch (or refuse) as before. Our pages have no other author style than these and ``<style>``
    blocks, so the cascade is the same."""
    sheets: list[Any] = []

    def take(match: re.Match[str]) -> str:
        href, media = match.group(1), match.group(2)
        if media is not None and not _PRINTED & {part.strip() for part in media.split(",")}:
            return ""
        url = href if "://" in href else settings.SITE_URL.rstrip("/") + "/" + href.lstrip("/")
        local = _local_file(url)
        if local is None:
            return match.group(0)
        sheets.append(_stylesheet(url, local))
        return ""

    return _LINK.sub(take, html), sheets


def archival_pdf(html: str, *, lang: str, attachments: Sequence[PdfAttachment] = ()) -> bytes:
    """``html`` (a page with ``<html lang>`` and ``<title>``) as a tagged PDF/A-3b in language ``lang``;
    ``attachments``: the documents it is a rendering of, each attached as an associated file of the whole PDF
    (``/AFRelationship /Source``). Fetches only what ``local_only_fetcher`` allows; the portal's own stylesheets
    are parsed once per process and thread, and the font configuration is shared."""
    from weasyprint import HTML, Attachment

    now = dt.datetime.now(dt.UTC)
    files = [
        Attachment(
            string=item.data,
            name=item.name,
            description=item.description,
            base_url=None,
            created=now,
            modified=now,
            relationship="Source",
        )
        for item in attachments
    ]
    html, stylesheets = _with_parsed_stylesheets(html)
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=local_only_fetcher())
    return bytes(
        document.write_pdf(
            stylesheets=stylesheets,
            font_config=_fonts(),
            attachments=files,
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            finisher=_finish(lang, {item.name: item.media_type for item in attachments}),
        )
    )


def render_pdf(
    *,
    xml: bytes,
    visual: dict[str, Any],
    qr_url: str,
    lang: str,
    link_until: dt.datetime | None = None,
    companion: bytes = b"",
) -> bytes:
    """Render the credential: A4, its visual representation, a QR code for ``qr_url``, the sealed document
    (``xml``: Europass XML or EDC 3 JSON-LD, byte for byte) attached, and ``companion`` (the same credential sealed
    in the other format, when it was issued in both) attached beside it.

    ``qr_url`` is a verifier's page (where the PDF itself is uploaded) unless ``link_until`` is given: then it is
    a share link that opens this credential, and the PDF says until when."""
    attachment = _attachment_of(xml)
    attachments = [attachment]
    if companion:
        other = _attachment_of(companion)
        if other.name != attachment.name:
            attachments.append(other)
    with translation.override(lang):
        html = render_to_string(
            "credentials/pdf.html",
            {
                "visual": visual,
                "qr": qr_svg_data_uri(qr_url),
                "qr_url": qr_url,
                "link_until": link_until,
                "attachment_name": attachment.name,
            },
        )
    return archival_pdf(html, lang=lang, attachments=attachments)


def pdf_of_sealed(*, xml: bytes, qr_url: str, lang: str, companion: bytes = b"") -> bytes:
    """The PDF of a sealed credential, for issuers (batch zips): the seal summary from the core verifier."""
    from europass.credentials.model import Credential
    from europass.registry.selectors import trust_store
    from europass.sealing.verify import verify

    from .visual import visual_context

    report = verify(xml, trust_store())
    signed = report.credential or Credential.from_xml(xml)
    visual = visual_context(signed, seal=report.seal, status=None, lang=lang)
    return render_pdf(xml=xml, visual=visual, qr_url=qr_url, lang=lang, companion=companion)
