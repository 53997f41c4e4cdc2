"""What a verifier is given: a credential document pasted or uploaded (Europass XML, or EDC 3 JSON-LD sealed with
JAdES), or a PDF carrying one (ours attach ``credential.xml``; EDC 3 ones ``credential.jsonld``).

Every input is hostile until read: size first, then the kind of file from its first bytes (never from the
name or the declared content type alone), then the PDF attachment with bounded decompression. The document itself
is parsed later, in one place per format (``europass.credentials.xmlsafe``, ``europass.credentials.jsonsafe``), by
the verifier. Its bytes are handed on exactly as given: a JAdES seal covers the payload's bytes, so nothing here
decodes and re-encodes them.
"""

from __future__ import annotations

import io
import zlib
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError

ATTACHMENT_NAME = "credential.xml"
JSON_ATTACHMENT_NAME = "credential.jsonld"
# The attachments a credential PDF may carry, ours first; then any other file with one of these extensions.
ATTACHMENT_NAMES = (ATTACHMENT_NAME, JSON_ATTACHMENT_NAME, "credential.json")
ATTACHMENT_EXTENSIONS = (".xml", ".jsonld", ".json")

# What a document is, named as the verifier's readers name their formats (``europass.sealing.readers``).
XML_FORMAT = "elm2-xml"
JSON_FORMAT = "edc3-jsonld"

_BOM = b"\xef\xbb\xbf"


class UnusableInput(ApplicationError):
    """The input is not something a credential can be read from (HTTP 400, or 413 when too large)."""


class InputTooLarge(UnusableInput):
    status_code = 413
    code = "too_large"


def max_upload_bytes() -> int:
    return int(getattr(settings, "VERIFY_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def max_document_bytes() -> int:
    """The largest credential document read (XML or JSON), given or attached to a PDF: ``VERIFY_MAX_XML_BYTES``."""
    return int(getattr(settings, "VERIFY_MAX_XML_BYTES", 10 * 1024 * 1024))


max_xml_bytes = max_document_bytes  # its former name


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip()[:5] == b"%PDF-"


def _first_byte(data: bytes) -> bytes:
    """The first byte that is not white space, after a UTF-8 byte order mark."""
    head = data[:4096]
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    return head.lstrip()[:1]


def _looks_like_xml(data: bytes) -> bool:
    return _first_byte(data) == b"<"


def _looks_like_json(data: bytes) -> bool:
    return _first_byte(data) == b"{"


def document_format(document: bytes) -> str | None:
    """``"elm2-xml"`` (first byte ``<``), ``"edc3-jsonld"`` (first byte ``{``), else None: what the verifier's
    readers will take the document for (a UTF-8 byte order mark and white space before it are allowed)."""
    first = _first_byte(document)
    return XML_FORMAT if first == b"<" else JSON_FORMAT if first == b"{" else None


def _utf8_json(document: bytes) -> bytes:
    """JSON is UTF-8 (RFC 8259 8.1): anything else is refused here with a sentence, before the verifier."""
    try:
        document.decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInput(
            _("This JSON is not UTF-8 text: give the credential's file as it was issued."),
            code="json_not_utf8",
        ) from None
    return document


def extract_document(pdf: bytes) -> bytes:
    """The sealed credential attached to a PDF: ours names it ``credential.xml``, EDC 3 PDFs ``credential.jsonld``;
    any ``.xml``, ``.jsonld`` or ``.json`` attachment is accepted when its content is XML or JSON.

    Only that attachment is ever decompressed, and every step is bounded before it costs anything: the PDF's size,
    the parsing work (reads of the file), the object streams' decompressed size, the attachments' name tree (how
    many entries and nodes, how deep, no loops), the attachment's compression (Flate or none) and its decompressed
    size (a bomb stops at the document's limit, never in memory). Pages are never read.
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
            return _attachment(pdf, max_document_bytes())
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
            _(
                "This PDF is encrypted: upload the PDF as downloaded from the wallet, or the credential's own file "
                "(XML or JSON-LD)."
            ),
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
                "This PDF carries no credential (no XML or JSON-LD file attached). Upload a PDF downloaded from a "
                "Europass wallet, or the credential's own file."
            ),
            code="pdf_without_xml",
        )
    content = _embedded_file_content(chosen, limit)
    file.check()
    kind = document_format(content)
    if kind is None:
        raise UnusableInput(
            _("The file attached to this PDF as %(name)s is neither XML nor JSON.")
            % {"name": chosen[0][:100]},
            code="pdf_attachment_not_xml",
        )
    if kind == JSON_FORMAT:
        _utf8_json(content)
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
        total += len(stream.get_data())  # each bounded by pypdf's own limits, set in extract_document
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
    """Ours first (``credential.xml``, then ``credential.jsonld``, ``credential.json``), else the first ``.xml``,
    ``.jsonld`` or ``.json`` attachment by name."""

    def rank(entry: tuple[str, Any]) -> tuple[int, str]:
        name = entry[0]
        known = ATTACHMENT_NAMES.index(name) if name in ATTACHMENT_NAMES else len(ATTACHMENT_NAMES)
        return known, name

    documents = sorted(
        (entry for entry in entries if entry[0].lower().endswith(ATTACHMENT_EXTENSIONS)), key=rank
    )
    return documents[0] if documents else None


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
            _("The credential attached to this PDF is compressed in a way this verifier does not read."),
            code="pdf_unsupported_compression",
        )
    raw = bytes(stream._data)  # as stored in the file: pypdf never decodes it here
    too_large = InputTooLarge(
        _("The credential inside this PDF is too large (at most %(mb)d MB).")
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


def document_of_upload(data: bytes) -> bytes:
    """The credential document in an upload, exactly as given: Europass XML or EDC 3 JSON(-LD) bytes themselves,
    or the document attached to a PDF. Raises ``UnusableInput`` (``InputTooLarge``) with a sentence otherwise."""
    if not data or not data.strip():
        raise UnusableInput(_("The file is empty."), code="empty")
    if len(data) > max_upload_bytes():
        raise InputTooLarge(
            _("The file is too large (at most %(mb)d MB).") % {"mb": max_upload_bytes() // (1024 * 1024)},
            code="too_large",
        )
    if is_pdf(data):
        return extract_document(data)
    kind = document_format(data)
    if kind is None:
        raise UnusableInput(
            _("This is not a credential: give its XML or JSON-LD file, or its PDF."), code="not_a_credential"
        )
    if len(data) > max_document_bytes():
        raise InputTooLarge(
            _("The document is too large (at most %(mb)d MB).")
            % {"mb": max_document_bytes() // (1024 * 1024)},
            code="xml_too_large" if kind == XML_FORMAT else "json_too_large",
        )
    if kind == JSON_FORMAT:
        _utf8_json(data)
    return data


# Former names, for callers that read only XML when they were written.
xml_of_upload = document_of_upload
extract_xml = extract_document
