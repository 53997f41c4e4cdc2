"""Downloads: one place that names the file a browser saves.

A name can come from what a person typed or uploaded (a sheet's file name). It reaches the ``Content-Disposition``
header only through ``attachment``, which makes it harmless:

- only the last path component is kept (no ``../``), control, format (bidirectional overrides such as U+202E) and
  separator characters are dropped, so nothing can split the header or hide the real extension;
- the extension is the one of the content type, always (``evil.html`` served as XML is saved as ``evil_html.xml``:
  inner dots become ``_`` so that no second extension shows where a file manager hides the last one), and only
  letters, digits and a little harmless punctuation remain of the rest;
- the header carries an ASCII ``filename="..."`` (letters, digits, ``-`` and ``_`` only) for every browser, and the
  full name as RFC 5987 / RFC 6266 ``filename*=UTF-8''...`` for those that read it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar
from urllib.parse import quote

from django.http import HttpResponse, HttpResponseBase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS: dict[str, str] = {
    "application/xml": "xml",
    "application/pdf": "pdf",
    "application/ld+json": "jsonld",
    "application/json": "json",
    "application/zip": "zip",
    "text/csv": "csv",
    XLSX: "xlsx",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "text/plain": "txt",
    "application/octet-stream": "bin",
}
# The types a credential's attachment is served as; any other (HTML, SVG, scripts...) is served as bytes to save.
ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "application/xml",
        "application/json",
    }
)
MAX_STEM = 120
FALLBACK_STEM = "download"

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9_-]+")
_REMOVED = {
    "Cf",
    "Cs",
    "Co",
    "Cn",
}  # invisible: format (bidirectional overrides), surrogates, private, unassigned
_KEPT_PUNCTUATION = set("-()+,&@!~")

Response = TypeVar("Response", bound=HttpResponseBase)


def _extension(content_type: str) -> str:
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        return EXTENSIONS[media_type]
    except KeyError:
        raise ValueError(f"No download extension is known for {media_type!r}.") from None


def stem_of(name: str) -> str:
    """The last path component of ``name`` (``/`` or ``\\``), without its extension."""
    last = re.split(r"[/\\]", name)[-1]
    return last.rsplit(".", 1)[0] if "." in last.lstrip(".") else last


def safe_filename(name: str, *, content_type: str) -> str:
    """``name`` made safe to offer for saving as ``content_type`` (Unicode kept, extension forced)."""
    extension = _extension(content_type)
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    stem = name[: -len(extension) - 1] if name.lower().endswith("." + extension) else name
    # Letters, marks, digits and a little harmless punctuation stay; anything else (dots, quotes, semicolons,
    # spaces, control characters) becomes one "_".
    kept = "".join(
        char if unicodedata.category(char)[0] in "LMN" or char in _KEPT_PUNCTUATION else "_"
        for char in stem
        if unicodedata.category(char) not in _REMOVED
    )
    stem = re.sub(r"_+", "_", kept).strip("_-")[:MAX_STEM].rstrip("_-")
    return f"{stem or FALLBACK_STEM}.{extension}"


def _ascii(filename: str) -> str:
    stem, extension = filename.rsplit(".", 1)
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    plain = _UNSAFE_ASCII.sub("_", plain).strip("_")
    return f"{plain or FALLBACK_STEM}.{extension}"


def content_disposition(name: str, *, content_type: str) -> str:
    """The ``Content-Disposition`` value that offers ``name`` (made safe) for saving."""
    filename = safe_filename(name, content_type=content_type)
    fallback = _ascii(filename)
    if fallback == filename:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(response: Response, name: str) -> Response:
    """Mark ``response`` as a download saved under ``name``, made safe for the response's content type."""
    response["Content-Disposition"] = content_disposition(name, content_type=response["Content-Type"])
    return response


def attachment_type(content_type: str) -> str:
    """What a document's attachment declared as ``content_type`` is served as: its type when it is one of
    ``ATTACHMENT_TYPES``, else ``application/octet-stream`` (never HTML or SVG, which a browser would run)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type if media_type in ATTACHMENT_TYPES else "application/octet-stream"


def document_attachment(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    """A file a credential carries (bytes from a document, so hostile), offered only for saving: a safe type and
    name, ``Content-Disposition: attachment``, no sniffing, a sandbox if it is opened anyway, not cached."""
    served = attachment_type(content_type)
    response = attachment(HttpResponse(content, content_type=served), name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
