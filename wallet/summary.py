"""Read a sealed credential once, at receipt: the summary columns of a wallet card (Europass XML or EDC 3 JSON-LD)."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any

from europass.credentials.model import Credential, find_credential_element, texts
from europass.credentials.xmlsafe import parse_xml


@dataclass(frozen=True)
class Summary:
    credential_id: str
    title: dict[str, str]
    awarding_body: dict[str, str]
    holder_name: str
    language: str
    awarded_on: dt.date | None
    issued_at: dt.datetime | None
    valid_until: dt.datetime | None
    status_url: str
    status_index: int | None
    xml_sha256: str
    holder_email: str = ""


def document_format(document: bytes) -> str:
    """``"elm2-xml"`` or ``"edc3-jsonld"``: what a sealed document is, from its first byte (as the verifier reads
    it); anything that is not JSON is taken for XML, and its parser says what is wrong with it."""
    from verification.reading import JSON_FORMAT, XML_FORMAT
    from verification.reading import document_format as read_format

    return JSON_FORMAT if read_format(document) == JSON_FORMAT else XML_FORMAT


def parse_credential(document: bytes) -> Credential:
    """The credential in a sealed document, read without verifying it (a copy already verified when received).
    EDC 3 JSON-LD is read by the verifier's own JSON reader (the JAdES payload, as sealed)."""
    from verification.reading import JSON_FORMAT

    if document_format(document) == JSON_FORMAT:
        from europass.credentials.errors import CredentialError
        from europass.sealing.engine import Options
        from europass.sealing.readers import READERS
        from europass.words import said

        reader = next((reader for reader in READERS if reader.format == JSON_FORMAT), None)
        if reader is None:
            raise CredentialError("unknown_format", said("EDC 3 JSON-LD cannot be read here."))
        return reader.read(document, Options()).credential()
    return Credential.from_xml(find_credential_element(parse_xml(document)))


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def summarize(credential: Credential, xml: bytes) -> Summary:
    """``xml``: the sealed document as stored (XML or JSON-LD), for its SHA-256."""
    achievement = credential.achievements[0] if credential.achievements else None
    title: dict[str, str] = {}
    awarded_on: dt.date | None = None
    if achievement is not None:
        if achievement.qualification is not None:
            title = texts(achievement.qualification.title)
        title = title or texts(achievement.title)
        awarded_on = achievement.awarded_on
    title = title or texts(credential.title)
    status = credential.status
    return Summary(
        credential_id=credential.id,
        title=title,
        awarding_body=texts(credential.awarding_body.name),
        holder_name=credential.holder.display_name(credential.primary_language),
        language=credential.primary_language,
        awarded_on=awarded_on,
        issued_at=_as_datetime(credential.issued),
        valid_until=_as_datetime(credential.valid_until),
        status_url=status.url if status is not None else "",
        status_index=status.index if status is not None else None,
        xml_sha256=hashlib.sha256(xml).hexdigest(),
        holder_email=credential.holder.email or "",
    )


def fold(text: str) -> str:
    """Lower case, without accents, single spaces: how the wallet's search compares words ("Université" and
    "universite" are the same word)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def search_text(*texts_by_language: dict[str, str]) -> str:
    """The text the search box looks in: every language of each multilingual value (title, awarding body)."""
    values: list[str] = []
    for by_language in texts_by_language:
        values += [value for value in (by_language or {}).values() if isinstance(value, str)]
    return fold(" | ".join(dict.fromkeys(values)))
