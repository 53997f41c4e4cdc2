"""The one place untrusted XML is parsed: no DTD, no entities, no network, bounded size and depth."""

from __future__ import annotations

import re

from lxml import etree

from europass.words import Text, said, said_n

from .errors import CredentialError

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 256

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    collect_ids=False,
)
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _too_deep(max_depth: int) -> Text:
    return said_n(
        "The XML is nested more than %(count)s level deep.",
        "The XML is nested more than %(count)s levels deep.",
        max_depth,
    )


def _empty() -> CredentialError:
    return CredentialError("xml_malformed", said("The document is empty."))


def _dtd() -> CredentialError:
    return CredentialError(
        "xml_dtd_forbidden", said("The XML declares a DTD or entities, which is refused for safety.")
    )


def _check_depth(root: etree._Element, max_depth: int) -> None:
    # iterwalk gives start/end events without recursion: a 10,000-deep tree is refused in milliseconds.
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > max_depth:
                raise CredentialError("xml_too_deep", _too_deep(max_depth))
        else:
            depth -= 1


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse untrusted bytes into an element, or raise CredentialError with a clear message."""
    if not isinstance(data, bytes | bytearray):
        raise CredentialError("xml_malformed", said("The input is not bytes."))
    if len(data) > max_bytes:
        raise CredentialError(
            "xml_too_large",
            said(
                "The XML is too large (%(size)s KB; at most %(limit)s KB).",
                size=f"{len(data) // 1024:,}",
                limit=f"{max_bytes // 1024:,}",
            ),
        )
    if not data.strip():
        raise _empty()
    if _DECLARATION.search(data):
        raise _dtd()
    try:
        root = etree.fromstring(bytes(data), parser=_PARSER)
    except etree.XMLSyntaxError as error:
        if "depth" in str(error.msg).lower():
            raise CredentialError("xml_too_deep", _too_deep(max_depth)) from None
        raise CredentialError(
            "xml_malformed",
            said(
                "This is not well-formed XML (line %(line)s: %(reason)s).",
                line=error.lineno,
                reason=error.msg,
            ),
        ) from None
    if root is None:
        raise _empty()
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _dtd()
    _check_depth(root, max_depth)
    return root
