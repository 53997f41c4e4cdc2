"""What a verifier is given: pasted XML, an uploaded XML file, or one of our PDFs carrying the XML.

Every input is hostile until read: size first, then the kind of file from its first bytes (never from the
name or the declared content type alone), then the PDF attachment with bounded decompression. XML itself is
parsed later, in one place (``europass.credentials.xmlsafe``), by the verifier.
"""

from __future__ import annotations

import io
import zlib
from typing import Any

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

    Only that attachment is ever decompressed, and every step is bounded before it costs anything: the PDF's size,
    the parsing work (reads of the file), the object streams' decompressed size, the attachments' name tree (how
    many entries and nodes, how deep, no loops), the attachment's compression (Flate or none) and its decompressed
    size (a bomb stops at the XML's limit, never in memory). Pages are never read.
    """
    from pypdf import apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError, PdfStreamError

    if len(pdf) > max_upload_bytes():
        raise InputTooLarge(_("This PDF is too large."), code="pdf_too_large")
    try:
        with apply_configuration(
            # Streams pypdf decodes itself (object and cross-reference streams; never the attachment) stay small.
            maximum_declared_stream_length=max_upload_bytes(),
            zlib_maximum_output_length=PDF_MAX_OBJECT_STREAM_BYTES,
            lzw_maximum_output_length=PDF_MAX_OBJECT_STREAM_BYTES,
            run_length_maximum_output_length=PDF_MAX_OBJECT_STREAM_BYTES,
            array_based_stream_maximum_output_length=PDF_MAX_OBJECT_STREAM_BYTES,
            brotli_maximum_output_length=PDF_MAX_OBJECT_STREAM_BYTES,
            jbig2_maximum_output_length=PDF_MAX_OBJECT_STREAM_BYTES,
            image_maximum_buffer_size=PDF_MAX_OBJECT_STREAM_BYTES,
            stream_filters_maximum_length=4,
        ):
            return _attachment(pdf, max_xml_bytes())
    except (LimitReachedError, _ParsingBudgetSpent, RecursionError) as error:
        raise _too_complex() from error
    except (
        PdfReadError,
        PdfStreamError,
        zlib.error,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        AssertionError,
    ) as error:
        raise _unreadable() from error


# What a PDF may cost before it is refused. Ours: one attachment in a one-node name tree, a few hundred reads of the
# file, a few kilobytes of object streams.
# Objects in the file, counted in its raw bytes before parsing (the "obj" and "endobj" of each).
PDF_MAX_OBJECTS = 50_000
# Each token pypdf parses costs one or more reads of the file: this bounds what is parsed from it.
PDF_MAX_READS = 500_000
# All object streams together, decompressed (each is parsed in one go).
PDF_MAX_OBJECT_STREAM_BYTES = 2 * 1024 * 1024
PDF_MAX_XREF_ENTRIES = 100_000
PDF_MAX_ATTACHMENTS = 16
PDF_MAX_NAME_TREE_NODES = 32
PDF_MAX_NAME_TREE_DEPTH = 8


def _too_complex() -> UnusableInput:
    return UnusableInput(
        _(
            "This PDF is damaged or too complex to read safely (too many objects, too large, or nested too deeply)."
        ),
        code="pdf_too_complex",
    )


def _unreadable() -> UnusableInput:
    return UnusableInput(_("This PDF cannot be read: it is damaged or not a PDF."), code="pdf_unreadable")


class _ParsingBudgetSpent(Exception):
    """pypdf read the file more times than any credential PDF needs (a PDF made of millions of tiny objects)."""


class _BudgetedFile(io.BytesIO):
    """The PDF as pypdf reads it, refusing reads beyond a budget; ``spent`` stays true even if pypdf, recovering
    from a damaged file, swallows the exception."""

    def __init__(self, data: bytes, budget: int) -> None:
        super().__init__(data)
        self.budget = budget
        self.spent = False

    def read(self, size: int | None = -1) -> bytes:
        self.budget -= 1
        if self.budget < 0:
            self.spent = True
            raise _ParsingBudgetSpent
        return super().read(size)

    def check(self) -> None:
        if self.spent:
            raise _ParsingBudgetSpent


def _attachment(pdf: bytes, limit: int) -> bytes:
    from pypdf import PdfReader

    if pdf.count(b"obj") > 2 * PDF_MAX_OBJECTS:
        raise _too_complex()
    file = _BudgetedFile(pdf, PDF_MAX_READS)
    reader = PdfReader(file, strict=False, xref_stream_maximum_entries=PDF_MAX_XREF_ENTRIES)
    file.check()
    if reader.is_encrypted:
        raise UnusableInput(
            _("This PDF is encrypted: upload the PDF as downloaded from the wallet, or the XML file itself."),
            code="pdf_encrypted",
        )
    _bound_object_streams(reader)
    file.check()
    entries = _embedded_files(reader)
    file.check()
    chosen = _choose(entries)
    if chosen is None:
        raise UnusableInput(
            _(
                "This PDF carries no credential XML. Upload a PDF downloaded from a Europass wallet, or the XML "
                "file itself."
            ),
            code="pdf_without_xml",
        )
    content = _embedded_file_content(chosen, limit)
    file.check()
    if not _looks_like_xml(content):
        raise UnusableInput(
            _("The file attached to this PDF as %(name)s is not XML.") % {"name": chosen[0][:100]},
            code="pdf_attachment_not_xml",
        )
    return content


def _bound_object_streams(reader: Any) -> None:
    """Objects kept in object streams are parsed a whole stream at a time, from its decompressed bytes: however
    many there are, together they stay under ``PDF_MAX_OBJECT_STREAM_BYTES`` (checked before any is parsed)."""
    from pypdf.generic import IndirectObject, StreamObject

    total = 0
    for number in sorted({stream for stream, _index in reader.xref_objStm.values()}):
        stream = IndirectObject(number, 0, reader).get_object()
        if not isinstance(stream, StreamObject):
            raise _unreadable()
        total += len(stream.get_data())  # each bounded by pypdf's own limits, set in extract_xml
        if total > PDF_MAX_OBJECT_STREAM_BYTES:
            raise _too_complex()


def _resolved(value: Any) -> Any:
    from pypdf.generic import IndirectObject

    return value.get_object() if isinstance(value, IndirectObject) else value


def _embedded_files(reader: Any) -> list[tuple[str, Any]]:
    """(name, file specification not yet resolved) of each entry of the ``/EmbeddedFiles`` name tree, walked
    without recursion: at most ``PDF_MAX_ATTACHMENTS`` entries and ``PDF_MAX_NAME_TREE_NODES`` nodes,
    ``PDF_MAX_NAME_TREE_DEPTH`` levels, and a node seen twice (a loop) is refused."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    root = _resolved(reader.trailer.get("/Root"))
    if not isinstance(root, DictionaryObject):
        raise _unreadable()
    names = _resolved(root.get("/Names"))
    tree = _resolved(names.get("/EmbeddedFiles")) if isinstance(names, DictionaryObject) else None
    if tree is None:
        return []
    entries: list[tuple[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    pending: list[tuple[Any, int]] = [(names.raw_get("/EmbeddedFiles"), 0)]
    visited = 0
    while pending:
        reference, depth = pending.pop()
        if isinstance(reference, IndirectObject):
            key = (reference.idnum, reference.generation)
            if key in seen:
                raise UnusableInput(
                    _("This PDF is damaged: its list of attached files loops back on itself."),
                    code="pdf_name_tree_loop",
                )
            seen.add(key)
        visited += 1
        if visited > PDF_MAX_NAME_TREE_NODES or depth > PDF_MAX_NAME_TREE_DEPTH:
            raise UnusableInput(
                _("This PDF's list of attached files is too large or nested too deeply."),
                code="pdf_name_tree_too_large",
            )
        node = _resolved(reference)
        if not isinstance(node, DictionaryObject):
            raise _unreadable()
        pairs = _resolved(node.get("/Names"))
        if isinstance(pairs, ArrayObject):
            if len(entries) + len(pairs) // 2 > PDF_MAX_ATTACHMENTS:
                raise UnusableInput(
                    _("This PDF has too many attached files (at most %(count)d).")
                    % {"count": PDF_MAX_ATTACHMENTS},
                    code="pdf_too_many_attachments",
                )
            for index in range(0, len(pairs) - 1, 2):
                entries.append((str(_resolved(pairs[index])), pairs[index + 1]))
        kids = _resolved(node.get("/Kids"))
        if isinstance(kids, ArrayObject):
            if len(kids) > PDF_MAX_NAME_TREE_NODES:
                raise UnusableInput(
                    _("This PDF's list of attached files is too large or nested too deeply."),
                    code="pdf_name_tree_too_large",
                )
            pending.extend((kid, depth + 1) for kid in reversed(kids))
    return entries


def _choose(entries: list[tuple[str, Any]]) -> tuple[str, Any] | None:
    """Ours first (``credential.xml``), else the first ``.xml`` attachment by name."""
    xml = sorted(
        (entry for entry in entries if entry[0].lower().endswith(".xml")),
        key=lambda entry: (entry[0] != ATTACHMENT_NAME, entry[0]),
    )
    return xml[0] if xml else None


def _embedded_file_content(entry: tuple[str, Any], limit: int) -> bytes:
    """The attached file's bytes: its stream stored as is or Flate-compressed (what PDF writers use for attached
    files), inflated at most to ``limit`` bytes; anything else is refused rather than decoded."""
    from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

    specification = _resolved(entry[1])
    files = _resolved(specification.get("/EF")) if isinstance(specification, DictionaryObject) else None
    if not isinstance(files, DictionaryObject):
        raise _unreadable()
    stream = _resolved(files.get("/UF") or files.get("/F"))
    if not isinstance(stream, StreamObject):
        raise _unreadable()
    filters = _resolved(stream.get("/Filter"))
    if isinstance(filters, ArrayObject):
        filters = [_resolved(item) for item in filters]
    else:
        filters = [] if filters is None else [filters]
    parameters = _resolved(stream.get("/DecodeParms"))
    if len(filters) > 1 or any(name not in ("/FlateDecode", "/Fl") for name in filters) or parameters:
        raise UnusableInput(
            _("The XML attached to this PDF is compressed in a way this verifier does not read."),
            code="pdf_unsupported_compression",
        )
    raw = bytes(stream._data)  # as stored in the file: pypdf never decodes it here
    too_large = InputTooLarge(
        _("The XML inside this PDF is too large (at most %(mb)d MB).")
        % {"mb": max(1, limit // (1024 * 1024))},
        code="xml_too_large",
    )
    if not filters:
        if len(raw) > limit:
            raise too_large
        return raw
    inflater = zlib.decompressobj()
    content = inflater.decompress(raw, limit + 1)  # a bomb stops one byte past the limit
    if len(content) > limit:
        raise too_large
    return content


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
