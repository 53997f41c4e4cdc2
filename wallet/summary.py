"""Read a sealed credential once, at receipt: the summary columns of a wallet card."""

from __future__ import annotations

import datetime as dt
import hashlib
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


def parse_credential(xml: bytes) -> Credential:
    return Credential.from_xml(find_credential_element(parse_xml(xml)))


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def summarize(credential: Credential, xml: bytes) -> Summary:
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
