"""The document formats the verifier reads: one reader each, producing the engine's ``Document``."""

from __future__ import annotations

import dataclasses

from lxml import etree

from europass.credentials.model import Credential, find_credential_element, read_presenter
from europass.credentials.schema import SchemaValidator
from europass.credentials.xmlsafe import parse_xml

from .engine import Document, Options, Reader
from .report import Check, CheckStatus
from .xades import verify_xades


def _first_byte(data: bytes) -> bytes:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1]


def _schema_check(validator: SchemaValidator | None, root: etree._Element, element: etree._Element) -> Check:
    if validator is None:
        from verification.services import schema_validator  # TODO(lead): shipped schemas (helper A)

        validator = schema_validator()
    if validator is None:
        return Check.of(
            "schema_valid",
            CheckStatus.NOT_APPLICABLE,
            "The official schema is not configured here; schema validation skipped.",
            "Le schéma officiel n'est pas configuré ici ; validation ignorée.",
        )
    errors = validator.errors(element)
    if not errors:
        return Check.of(
            "schema_valid",
            CheckStatus.PASSED,
            "Valid against the official Europass schema.",
            "Conforme au schéma Europass officiel.",
        )
    return Check.of(
        "schema_valid",
        CheckStatus.FAILED,
        "Not valid against the official Europass schema.",
        "Non conforme au schéma Europass officiel.",
        errors=errors,
    )


class XmlReader:
    """ELM v2: a Europass credential (or a verifiable presentation of one) in XML, sealed with XAdES."""

    format = "elm2-xml"

    def accepts(self, data: bytes) -> bool:
        return _first_byte(data) == b"<"

    def read(self, data: bytes, options: Options) -> Document:
        root = parse_xml(data)  # raises CredentialError: unsafe, too large, not XML
        element = find_credential_element(root)
        validator = options.schema if isinstance(options.schema, SchemaValidator) else None

        def schema() -> Check:
            if etree.QName(element).namespace != "http://data.europa.eu/snb":
                return Check.of(
                    "schema_valid",
                    CheckStatus.NOT_APPLICABLE,
                    "Not a Europass schema document.",
                    "Ce n'est pas un document du schéma Europass.",
                )
            return _schema_check(validator, root, element)

        def credential() -> Credential:
            read = Credential.from_xml(element)
            presenter = read_presenter(root)
            return dataclasses.replace(read, presented_by=presenter) if presenter else read

        return Document(
            format=self.format,
            described=("Europass credential XML (ELM v2)", "XML de titre Europass (ELM v2)"),
            schema=schema,
            seal=lambda: verify_xades(root, element),
            credential=credential,
        )


READERS: tuple[Reader, ...] = (XmlReader(),)
