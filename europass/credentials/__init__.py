"""The Europass credential document: dataclasses <-> Europass XML (ELM v2) and JSON-LD, schema checks, safe parsing.

No Django here: this package is a library the apps use.
"""

from .errors import CredentialError
from .model import (
    Achievement,
    Address,
    AwardingBody,
    Credential,
    CredentialStatus,
    Holder,
    LearningOutcome,
    MultilingualText,
    Qualification,
    find_credential_element,
)
from .xmlsafe import parse_xml

__all__ = [
    "Achievement",
    "Address",
    "AwardingBody",
    "Credential",
    "CredentialError",
    "CredentialStatus",
    "Holder",
    "LearningOutcome",
    "MultilingualText",
    "Qualification",
    "find_credential_element",
    "parse_xml",
]
