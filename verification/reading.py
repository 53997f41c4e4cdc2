"""What a verifier is given: pasted XML, an uploaded XML file, or one of our PDFs carrying the XML.

Every input is hostile until read: size first, then the kind of file from its first bytes (never from the
name or the declared content type alone), then the PDF attachment with bounded decompression. XML itself is
parsed later, in one place (``europass.credentials.xmlsafe``), by the verifier.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError

ATTACHMENT_NAME = "credential.xml"


class UnusableInput(ApplicationError):
    """The input is not something a credential can be read from (HTTP 400, or 413 when too large)."""


class InputTooLarge(UnusableInput):
    status_code = 413
    code = "too_large"


def max_upload_bytes() -> int:
    return int(getattr(settings, "VERIFY_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def max_xml_bytes() -> int:
    return int(getattr(settings, "VERIFY_MAX_XML_BYTES", 10 * 1024 * 1024))


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip()[:5] == b"%PDF-"


def _looks_like_xml(data: bytes) -> bool:
    head = data[:4096]
    for bom in (b"\xef\xbb\xbf",):
        if head.startswith(bom):
            head = head[len(bom) :]
    return head.lstrip()[:1] == b"<"


def extract_xml(pdf: bytes) -> bytes:
    """The sealed XML attached to a PDF (ours names it ``credential.xml``; any ``.xml`` attachment is accepted).

    Bounded: the PDF's size, each stream's decompressed size (a PDF bomb stops at the limit), the XML's size.
    """
    from pypdf import apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError, PdfStreamError

    if len(pdf) > max_upload_bytes():
        raise InputTooLarge(_("This PDF is too large."), code="pdf_too_large")
    limit = max_xml_bytes()
    # pypdf refuses to inflate a stream beyond these: a decompression bomb ends here, not in memory.
    bound = 4 * limit
    try:
        with apply_configuration(
            zlib_maximum_output_length=bound,
            lzw_maximum_output_length=bound,
            run_length_maximum_output_length=bound,
            array_based_stream_maximum_output_length=bound,
            brotli_maximum_output_length=bound,
            jbig2_maximum_output_length=bound,
        ):
            return _attachment(pdf, limit)
    except LimitReachedError as error:
        raise InputTooLarge(
            _("This PDF expands to more data than allowed (a decompression bomb?)."), code="pdf_bomb"
        ) from error
    except (
        PdfReadError,
        PdfStreamError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
    ) as error:
        raise UnusableInput(
            _("This PDF cannot be read: it is damaged or not a PDF."), code="pdf_unreadable"
        ) from error


def _attachment(pdf: bytes, limit: int) -> bytes:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf), strict=False)
    attachments = reader.attachments
    names = [ATTACHMENT_NAME, *sorted(name for name in attachments if name != ATTACHMENT_NAME)]
    for name in names:
        if not name.lower().endswith(".xml"):
            continue
        for content in attachments.get(name, []):
            if len(content) > limit:
                raise InputTooLarge(_("The XML inside this PDF is too large."), code="xml_too_large")
            return bytes(content)
    raise UnusableInput(
        _(
            "This PDF carries no credential XML. Upload a PDF downloaded from a Europass wallet, or the XML "
            "file itself."
        ),
        code="pdf_without_xml",
    )


def xml_of_upload(data: bytes) -> bytes:
    """The credential XML in an upload: the bytes themselves, or the XML attached to a PDF."""
    if not data or not data.strip():
        raise UnusableInput(_("The file is empty."), code="empty")
    if len(data) > max_upload_bytes():
        raise InputTooLarge(
            _("The file is too large (at most %(mb)d MB).") % {"mb": max_upload_bytes() // (1024 * 1024)},
            code="too_large",
        )
    if is_pdf(data):
        return extract_xml(data)
    if not _looks_like_xml(data):
        raise UnusableInput(
            _("This is neither XML nor a PDF. Upload the credential's XML file or its PDF."),
            code="not_xml",
        )
    if len(data) > max_xml_bytes():
        raise InputTooLarge(
            _("The XML is too large (at most %(mb)d MB).") % {"mb": max_xml_bytes() // (1024 * 1024)},
            code="xml_too_large",
        )
    return data
