"""The document formats the verifier reads: one reader each, producing the engine's ``Document``."""

from __future__ import annotations

import dataclasses

from lxml import etree

from europass.credentials.errors import CredentialError
from europass.credentials.model import Credential, find_credential_element, read_presenter
from europass.credentials.schema import SchemaValidator, default_validator
from europass.credentials.xmlsafe import parse_xml
from europass.words import said

from .engine import Document, Options, Reader
from .evidence import SealEvidence, SealRefused
from .report import Check, CheckStatus
from .schema_check import xml_schema_check
from .xades import verify_xades


def _first_byte(data: bytes) -> bytes:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1]


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
                    said("Not a Europass schema document."),
                )
            return xml_schema_check((validator or default_validator()).validate(root, element))

        def credential() -> Credential:
            read = Credential.from_xml(element)
            presenter = read_presenter(root)
            return dataclasses.replace(read, presented_by=presenter) if presenter else read

        return Document(
            format=self.format,
            described=said("Safe, well-formed Europass credential XML (ELM v2)."),
            schema=schema,
            seal=lambda: verify_xades(root, element),
            credential=credential,
        )


class JsonReader:
    """EDC 3: an ELM 3 credential in JSON-LD (W3C VC 1.1), sealed with JAdES in the JWS JSON serialization."""

    format = "edc3-jsonld"

    def accepts(self, data: bytes) -> bool:
        return _first_byte(data) == b"{"

    def read(self, data: bytes, options: Options) -> Document:
        from europass.credentials.elm3 import credential_from_elm3
        from europass.credentials.jsonsafe import parse_json
        from europass.credentials.shacl import default_shacl_validator

        from .jades import is_jades, verify_jades
        from .shacl_check import shacl_check

        document = parse_json(data)  # raises CredentialError: too large, too deep, duplicate keys, not JSON
        if not isinstance(document, dict):
            raise CredentialError(
                "not_a_credential", said("This JSON is not a credential (it is not an object).")
            )
        sealed = is_jades(document)
        if sealed:
            if not isinstance(document.get("payload"), str):
                raise CredentialError(
                    "not_a_credential", said("This JAdES document carries no JSON payload.")
                )
            payload_bytes = document["payload"].encode("utf-8")
            payload = parse_json(payload_bytes)
        else:
            payload, payload_bytes = document, b""
        if not isinstance(payload, dict) or (
            not sealed and not {"credentialSubject", "verifiableCredential"} & payload.keys()
        ):
            # a sealed payload is judged by its seal first: what it says is read only once the seal holds
            raise CredentialError(
                "not_a_credential", said("This JSON is not an EDC 3 credential (no credentialSubject).")
            )
        seal_payload: list[bytes] = []

        def seal() -> SealEvidence:
            if not sealed:
                raise SealRefused(said("The credential carries no electronic seal."))
            jades = verify_jades(document)
            seal_payload.append(jades.payload)
            return jades.evidence

        def credential() -> Credential:
            # Read from the very bytes the seal covers, never from another copy.
            sealed_payload = payload
            if seal_payload and seal_payload[-1] != payload_bytes:  # b64 true: the sealed bytes are others
                sealed_payload = parse_json(seal_payload[-1])
            return credential_from_elm3(sealed_payload)

        return Document(
            format=self.format,
            described=said("Safe, well-formed EDC 3 credential (ELM 3 JSON-LD)."),
            schema=lambda: shacl_check(default_shacl_validator().validate(payload)),
            seal=seal,
            credential=credential,
        )


READERS: tuple[Reader, ...] = (XmlReader(), JsonReader())
