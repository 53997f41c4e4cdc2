"""Validation against the European Commission's official XML schemas (ELM v2), every vintage.

The schemas ship with the product (``europass/credentials/xsd/``, EUPL 1.2, see its ``NOTICE.md``): generic 1.0
(2020, ``genericschema.xsd``), 1.1 and 1.2, the diploma supplement and accreditation profiles, and the verifiable
presentation schemas (``mandatedschema_*``, ``sharedschema_*``) that wrap them. ``EUROPASS_SCHEMA_DIR`` may name a
directory whose files take precedence over the shipped ones.

A document is validated against the schema its root declares (``xsi:schemaLocation``, or
``xsi:noNamespaceSchemaLocation``), matched by file name: ``http://publications.europa.eu/resource/schema/
credential/genericschema_1.2.xsd`` is our ``genericschema_1.2.xsd``. A declaration we do not recognise, or none at
all, is not a fault in itself: the document is then validated against each official schema for its root element
and the best match (the first that passes, else the fewest errors) is reported, with ``recognised`` false.

Each schema is compiled once, lazily, from local files only (no network, local imports). An lxml ``XMLSchema``
must not validate from two threads at once: each compiled schema has its own lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().with_name("xsd")
GENERIC_SCHEMA = "genericschema_1.2.xsd"
SNB = "http://data.europa.eu/snb"
VP = "http://data.europa.eu/snb/vp"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_DECLARED = 300  # characters of a declaration kept for the report

# The document schemas we ship, by the namespace of the element they validate, in the order a best match tries
# them (newest first: most credentials in circulation declare 1.2; the 2020 ones declare nothing).
CREDENTIAL_SCHEMAS = (
    "genericschema_1.2.xsd",
    "genericschema_1.1.xsd",
    "genericschema.xsd",
    "diplomasupplementschema_1.2.xsd",
    "accreditationschema_1.2.xsd",
)
PRESENTATION_SCHEMAS = (
    "mandatedschema_generic_1.2.xsd",
    "mandatedschema_dp_1.2.xsd",
    "mandatedschema_accred_1.2.xsd",
    "mandatedschema_1.1.xsd",
    "mandatedschema_1.0.xsd",
    "sharedschema_generic_1.2.xsd",
    "sharedschema_dp_1.2.xsd",
    "sharedschema_accred_1.2.xsd",
    "sharedschema_1.1.xsd",
    "sharedschema_1.0.xsd",
)
TARGET_NAMESPACE = {name: SNB for name in CREDENTIAL_SCHEMAS} | {name: VP for name in PRESENTATION_SCHEMAS}
DOCUMENT_SCHEMAS = CREDENTIAL_SCHEMAS + PRESENTATION_SCHEMAS


@dataclass(frozen=True)
class SchemaResult:
    schema: str  # the file name used, e.g. "genericschema.xsd" ("" when no schema could be loaded at all)
    declared: str | None  # what the document declared (file name or URL), None if nothing
    recognised: bool  # the declaration named a schema we ship
    errors: list[str] = field(default_factory=list)  # "line N: message", at most `limit`
    error_count: int = 0  # how many errors there were in all

    @property
    def valid(self) -> bool:
        return bool(self.schema) and not self.errors


def file_name(location: str) -> str:
    """The last path segment of a schema location (URL, relative or Windows path), without query or fragment."""
    path = location.split("#", 1)[0].split("?", 1)[0]
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def declared_location(element: etree._Element) -> str | None:
    """The schema location an element declares for its own namespace (else the first one it names)."""
    pairs = (element.get(f"{{{XSI}}}schemaLocation") or "").split()
    namespace = etree.QName(element).namespace or ""
    locations = [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)]
    for ns, location in locations:
        if ns == namespace:
            return location
    if locations:
        return locations[0][1]
    if len(pairs) == 1:  # a location without its namespace: read it as the location
        return pairs[0]
    return (element.get(f"{{{XSI}}}noNamespaceSchemaLocation") or "").strip() or None


@dataclass
class _Compiled:
    schema: etree.XMLSchema
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, element: etree._Element, limit: int) -> tuple[list[str], int]:
        with self.lock:  # an lxml XMLSchema object is not safe to share between threads while validating
            if self.schema.validate(element):
                return [], 0
            log_entries = list(self.schema.error_log)
        errors = [f"line {entry.line}: {entry.message}" for entry in log_entries[:limit]]
        return errors, max(1, len(log_entries))


_compile_lock = threading.Lock()
_by_content: dict[tuple[bytes, str], _Compiled] = {}


def _compile(path: Path) -> _Compiled:
    """One compiled schema per file content (the 1.2 profiles are byte-identical copies of each other)."""
    digest = (hashlib.sha256(path.read_bytes()).digest(), str(path.parent))  # imports are relative to it
    with _compile_lock:
        compiled = _by_content.get(digest)
        if compiled is None:
            # Our own trusted files: local imports are allowed, the network never is.
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            compiled = _Compiled(etree.XMLSchema(etree.parse(str(path), parser)))
            _by_content[digest] = compiled
        return compiled


class SchemaValidator:
    """Validates documents against the official schemas; ``directory`` (optional) overrides the shipped files."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory else None
        if self.directory is not None and not self.directory.is_dir():
            raise FileNotFoundError(f"schema directory {directory} not found")
        self._schemas: dict[str, _Compiled | None] = {}
        self._lock = threading.Lock()

    def _paths(self, name: str) -> list[Path]:
        paths = [self.directory / name] if self.directory is not None else []
        return [*paths, SHIPPED_DIR / name]

    def schema(self, name: str) -> _Compiled | None:
        """The compiled schema of that file name (None when it cannot be loaded), compiled on first use."""
        with self._lock:
            if name in self._schemas:
                return self._schemas[name]
        compiled = None
        for path in self._paths(name):
            if not path.is_file():
                continue
            try:
                compiled = _compile(path)
                break
            except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError):
                log.warning("the schema %s could not be compiled", path, exc_info=True)
        with self._lock:
            self._schemas[name] = compiled
        return compiled

    def validate(
        self, document_root: etree._Element, credential: etree._Element, limit: int = 10
    ) -> SchemaResult:
        """Validate against the declared schema, else the best match. Never raises for a document's content."""
        declared = declared_location(document_root)
        if declared is None and credential is not document_root:
            declared = declared_location(credential)
        if declared is not None:
            declared = declared[:MAX_DECLARED]
            name = _shipped_name(file_name(declared))
            if name is not None:
                compiled = self.schema(name)
                if compiled is not None:
                    errors, count = compiled.check(_target(name, document_root, credential), limit)
                    return SchemaResult(name, declared, True, errors, count)
        return self._best_match(document_root, credential, declared, limit)

    def _best_match(
        self, document_root: etree._Element, credential: etree._Element, declared: str | None, limit: int
    ) -> SchemaResult:
        root_namespace = etree.QName(document_root).namespace
        candidates = [n for n in DOCUMENT_SCHEMAS if TARGET_NAMESPACE[n] == root_namespace] or [
            n for n in DOCUMENT_SCHEMAS if TARGET_NAMESPACE[n] == etree.QName(credential).namespace
        ]
        best: SchemaResult | None = None
        for name in candidates:
            compiled = self.schema(name)
            if compiled is None:
                continue
            errors, count = compiled.check(_target(name, document_root, credential), limit)
            result = SchemaResult(name, declared, False, errors, count)
            if not errors:
                return result
            if best is None or count < best.error_count:
                best = result
        return best or SchemaResult("", declared, False)

    def errors(self, element: etree._Element, limit: int = 10) -> list[str]:
        """Errors of an element that is its own document (the schema it declares, else the best match)."""
        return self.validate(element, element, limit).errors


def _shipped_name(name: str) -> str | None:
    lowered = name.lower()
    return next((known for known in DOCUMENT_SCHEMAS if known.lower() == lowered), None)


def _target(name: str, document_root: etree._Element, credential: etree._Element) -> etree._Element:
    """The element a schema validates: the one whose namespace is the schema's target (presentation or
    credential); when neither is, the document root (the schema then says it does not declare it)."""
    namespace = TARGET_NAMESPACE[name]
    if etree.QName(document_root).namespace == namespace:
        return document_root
    if etree.QName(credential).namespace == namespace:
        return credential
    return document_root


@lru_cache(maxsize=4)
def validator_for(directory: str = "") -> SchemaValidator:
    """A cached validator of the shipped schemas, overridden by ``directory`` when it names one."""
    if directory:
        try:
            return SchemaValidator(directory)
        except OSError:
            log.warning("schema directory %s not found: the shipped schemas are used", directory)
    return SchemaValidator()


def default_validator() -> SchemaValidator:
    """The validator of this installation: the shipped schemas, overridden by ``EUROPASS_SCHEMA_DIR`` when the
    environment sets it. Cached."""
    return validator_for(os.environ.get("EUROPASS_SCHEMA_DIR", ""))
