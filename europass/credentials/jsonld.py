"""The credential as JSON-LD, for reading: its EDC 3 document (ELM 3, W3C VC 1.1 context with the ELM context).

The W3C VC 2.0 context cannot be combined with the ELM context (JSON-LD processors refuse the "protected term
redefinition" of ``description``), so the JSON-LD of a credential is the EDC 3 document ``edc3.to_edc3`` builds:
valid JSON-LD that expands without losing a term, conforming to the official EDC shapes. Unsealed: a credential issued
in EDC 3 is downloaded as its sealed file instead.
"""

from __future__ import annotations

from typing import Any

from .edc3 import display_images, to_edc3
from .model import Credential


def to_jsonld(credential: Credential, *, eidas_identifier: str | None = None) -> dict[str, Any]:
    return to_edc3(credential, eidas_identifier=eidas_identifier, display=display_images(credential))
