"""The credential's visual representation, shared by the wallet, share pages, PDFs and the verification report.

Built ONLY from the parsed, signed ``Credential`` dataclass and the verifier's ``SealInfo``: never from a
database row, so what a person reads is what the seal covers. Rendered by ``templates/credentials/_visual.html``.
Texts are given in the interface language (``lang``) and, when the credential is written in another language,
in the credential's own language too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from europass.credentials.model import texts

if TYPE_CHECKING:
    from europass.credentials.model import Credential
    from europass.sealing.report import SealInfo

STATUSES = ("valid", "revoked", "expired", "unknown")


def _pick(values: Mapping[str, str], lang: str) -> str:
    for candidate in (lang, "en"):
        if values.get(candidate):
            return values[candidate]
    return next((value for value in values.values() if value), "")


def _bilingual(value: Any, lang: str, credential_lang: str) -> dict[str, str]:
    """{"text": in the interface language, "own": in the credential's language when different, "own_lang"}."""
    values = texts(value)
    text = _pick(values, lang)
    own = _pick(values, credential_lang) if credential_lang else ""
    return {"text": text, "own": own if own and own != text else "", "own_lang": credential_lang}


def _initials(name: str) -> str:
    words = [
        word
        for word in name.replace("-", " ").split()
        if word[:1].isalpha() and (word[:1].isupper() or len(word) > 3)
    ]
    return "".join(word[0].upper() for word in words[:3]) or name[:2].upper()


def safe_logo(url: str | None) -> str:
    """Only logos that cannot make a reader's browser (or the PDF renderer) call a third party: data URIs of
    images and this portal's own files."""
    if not url:
        return ""
    if url.startswith(("data:image/png;", "data:image/jpeg;", "data:image/svg+xml;", "data:image/webp;")):
        return url
    site = settings.SITE_URL.rstrip("/") + "/"
    if url.startswith(site):
        return "/" + url[len(site) :]
    return ""


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


_NAMES = {"O": ("O", "Organization"), "CN": ("CN", "Common Name")}


def _rdn(subject: str, key: str) -> str:
    """One attribute of a certificate name, written "CN=...,O=Demo University,C=FR" (RFC 4514) or
    "Common Name: ..., Organization: Demo University, Country: FR" (asn1crypto's human-friendly form)."""
    names = _NAMES.get(key, (key,))
    for part in re.split(r"(?<!\\),", subject):
        for separator in ("=", ":"):
            name, found, value = part.partition(separator)
            if found and name.strip() in names:
                return value.replace("\\,", ",").strip()
    return ""


def _seal(seal: SealInfo | None) -> dict[str, Any] | None:
    if seal is None:
        return None
    subject = str(seal.certificate.get("subject", "") or "")
    sealed_by = _rdn(subject, "O") or _rdn(subject, "CN") or subject
    identifier = str(seal.certificate.get("organization_identifier", "") or "")
    labels = {
        "qualified": gettext("Qualified electronic seal"),
        "advanced": gettext("Advanced electronic seal"),
        "untrusted": gettext("Electronic seal of an issuer not trusted here"),
    }
    return {
        "sealed_by": sealed_by,
        "identifier": identifier,
        "qualified": seal.qualified,
        "level": labels.get(seal.level, labels["advanced"]),
        "level_code": seal.level,
        "when": seal.proven_time or seal.signing_time,
        "time_proven": seal.time_source == "timestamp",
        "timestamp_authority": seal.timestamp_authority or "",
    }


def _status(status: str | None, valid_until: dt.datetime | None) -> dict[str, str] | None:
    if status is None:
        return None
    labels = {
        "valid": (gettext("Valid"), "ok"),
        "revoked": (gettext("Revoked by the awarding body"), "err"),
        "expired": (gettext("Expired"), "warn"),
        "unknown": (gettext("Status unknown"), "warn"),
    }
    label, badge = labels.get(status, labels["unknown"])
    return {"code": status if status in labels else "unknown", "label": label, "badge": badge}


def visual_context(
    credential: Credential, *, seal: SealInfo | None, status: str | None, lang: str
) -> dict[str, Any]:
    """Everything ``_visual.html`` shows, from the signed credential and the seal summary only."""
    lang = (lang or "en").split("-")[0]
    credential_lang = (credential.primary_language or "").split("-")[0]
    with translation.override(lang):
        body = credential.awarding_body
        holder = credential.holder
        achievements = []
        for achievement in credential.achievements:
            qualification = achievement.qualification
            outcomes = [
                _bilingual(outcome.text, lang, credential_lang)
                for outcome in (qualification.learning_outcomes if qualification else ())
            ]
            achievements.append(
                {
                    "title": _bilingual(
                        qualification.title if qualification else achievement.title, lang, credential_lang
                    ),
                    "description": _bilingual(
                        qualification and qualification.description, lang, credential_lang
                    ),
                    "code": (qualification.code if qualification else "") or "",
                    "eqf_level": qualification.eqf_level if qualification else None,
                    "nqf_level": (qualification.nqf_level if qualification else "") or "",
                    "isced": (qualification.isced_f_code if qualification else "") or "",
                    "credits": _number(qualification.credits if qualification else None),
                    "outcomes": outcomes,
                    "grade": achievement.grade or "",
                    "awarded_on": achievement.awarded_on,
                    "awarded_by": (
                        {
                            "name": _bilingual(achievement.awarded_by.name, lang, credential_lang),
                            "identifier": achievement.awarded_by.legal_identifier or "",
                        }
                        if achievement.awarded_by
                        else None
                    ),
                }
            )
        name = _bilingual(body.name, lang, credential_lang)
        return {
            "lang": lang,
            "credential_lang": credential_lang,
            "id": credential.id,
            "title": _bilingual(credential.title, lang, credential_lang),
            "description": _bilingual(credential.description, lang, credential_lang),
            "holder": {
                "name": holder.display_name(lang),
                "birth_date": holder.date_of_birth,
                "email": holder.email or "",
            },
            "achievements": achievements,
            "main": achievements[0] if achievements else None,
            "awarding_body": {
                "name": name,
                "initials": _initials(name["text"]),
                "identifier": body.legal_identifier or "",
                "country": body.country or "",
                "email": body.email or "",
                "homepage": body.homepage or "",
                "logo": safe_logo(getattr(body, "logo_url", None)),
            },
            "issued": credential.issued,
            "valid_from": credential.valid_from,
            "valid_until": credential.valid_until,
            "seal": _seal(seal),
            "status": _status(status, credential.valid_until),
        }
