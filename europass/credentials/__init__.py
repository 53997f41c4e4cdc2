"""The Europass credential document: dataclasses <-> Europass XML (ELM v2) and JSON-LD, schema checks, safe parsing.

No Django here: this package is a library the apps use.
"""

from .errors import CredentialError
from .model import (
    Achievement,
    Activity,
    Address,
    Assessment,
    Attachment,
    AwardingBody,
    Credential,
    CredentialStatus,
    Entitlement,
    GradingScheme,
    Holder,
    LearningOutcome,
    MultilingualText,
    Qualification,
    Specification,
    find_credential_element,
)
from .xmlsafe import parse_xml

__all__ = [
    "Achievement",
    "Activity",
    "Address",
    "Assessment",
    "Attachment",
    "AwardingBody",
    "Credential",
    "CredentialError",
    "CredentialStatus",
    "Entitlement",
    "GradingScheme",
    "Holder",
    "LearningOutcome",
    "MultilingualText",
    "Qualification",
    "Specification",
    "find_credential_element",
    "parse_xml",
]
