"""The one place untrusted XML is parsed: no DTD, no entities, no network, bounded size and depth."""

from __future__ import annotations

import re

from lxml import etree

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


def _check_depth(root: etree._Element, max_depth: int) -> None:
    # iterwalk gives start/end events without recursion: a 10,000-deep tree is refused in milliseconds.
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > max_depth:
                raise CredentialError(
                    "xml_too_deep",
                    f"The XML is nested more than {max_depth} levels deep.",
                    f"Le XML est imbriqué sur plus de {max_depth} niveaux.",
                )
        else:
            depth -= 1


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse untrusted bytes into an element, or raise CredentialError with a clear message."""
    if not isinstance(data, bytes | bytearray):
        raise CredentialError(
            "xml_malformed", "The input is not bytes.", "L'entrée n'est pas une suite d'octets."
        )
    if len(data) > max_bytes:
        raise CredentialError(
            "xml_too_large",
            f"The XML is too large ({len(data) // 1024:,} KB; at most {max_bytes // 1024:,} KB).",
            f"Le XML est trop volumineux ({len(data) // 1024:,} Ko ; au plus {max_bytes // 1024:,} Ko).",
        )
    if not data.strip():
        raise CredentialError("xml_malformed", "The document is empty.", "Le document est vide.")
    if _DECLARATION.search(data):
        raise CredentialError(
            "xml_dtd_forbidden",
            "The XML declares a DTD or entities, which is refused for safety.",
            "Le XML déclare une DTD ou des entités, ce qui est refusé par sécurité.",
        )
    try:
        root = etree.fromstring(bytes(data), parser=_PARSER)
    except etree.XMLSyntaxError as error:
        if "depth" in str(error.msg).lower():
            raise CredentialError(
                "xml_too_deep",
                f"The XML is nested more than {max_depth} levels deep.",
                f"Le XML est imbriqué sur plus de {max_depth} niveaux.",
            ) from None
        raise CredentialError(
            "xml_malformed",
            f"This is not well-formed XML (line {error.lineno}: {error.msg}).",
            f"Ce n'est pas du XML bien formé (ligne {error.lineno} : {error.msg}).",
        ) from None
    if root is None:
        raise CredentialError("xml_malformed", "The document is empty.", "Le document est vide.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise CredentialError(
            "xml_dtd_forbidden",
            "The XML declares a DTD or entities, which is refused for safety.",
            "Le XML déclare une DTD ou des entités, ce qui est refusé par sécurité.",
        )
    _check_depth(root, max_depth)
    return root
