"""The credential's visual representation, shared by the wallet, share pages, PDFs and the verification report.

Built ONLY from the parsed, signed ``Credential`` dataclass and the verifier's ``SealInfo``: never from a
database row, so what a person reads is what the seal covers. Rendered by ``templates/credentials/_visual.html``.
Texts are given in the interface language (``lang``) and, when the credential is written in another language,
in the credential's own language too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from europass.credentials.model import DURATION, texts

if TYPE_CHECKING:
    from europass.credentials.model import Attachment, Credential, Qualification
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
    credential: Credential,
    *,
    seal: SealInfo | None,
    status: str | None,
    lang: str,
    attachment_url: AttachmentUrl | None = None,
) -> dict[str, Any]:
    """Everything ``_visual.html`` shows, from the signed credential and the seal summary only.

    ``rich`` (see ``rich_context``) is the full content of a rich credential (a Diploma Supplement): every
    achievement, assessment, activity, entitlement and attachment; ``attachment_url(number)`` gives the address an
    attachment downloads from on the page showing it (None: listed, not offered)."""
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
            "credential_type": _bilingual(credential.credential_type, lang, credential_lang),
            "rich": rich_context(credential, lang=lang, attachment_url=attachment_url),
        }


# --- the rich parts: every achievement, its assessments, activities, entitlements; attachments ---------------

AttachmentUrl = Callable[[int], "str | None"]


def attachments_of(credential: Credential) -> list[Attachment]:
    """The credential's attachments, then those of the credentials it contains: numbered from 1 in this order by
    the pages that offer them for download."""
    found: list[Attachment] = []
    stack = [credential]
    while stack:
        current = stack.pop(0)
        found.extend(current.attachments)
        stack.extend(current.sub_credentials)
    return found


def duration_text(value: str | None) -> str:
    """An ISO 8601 duration for people: ``PT60H`` → "60 hours", ``P1Y6M`` → "1 year, 6 months"; as written when
    it is not one."""
    match = DURATION.match((value or "").strip()[:40])
    if not value or not match:
        return (value or "").strip()[:40]
    units = (
        ("years", lambda n: ngettext("%(n)s year", "%(n)s years", n)),
        ("months", lambda n: ngettext("%(n)s month", "%(n)s months", n)),
        ("weeks", lambda n: ngettext("%(n)s week", "%(n)s weeks", n)),
        ("days", lambda n: ngettext("%(n)s day", "%(n)s days", n)),
        ("hours", lambda n: ngettext("%(n)s hour", "%(n)s hours", n)),
        ("minutes", lambda n: ngettext("%(n)s minute", "%(n)s minutes", n)),
    )
    parts = []
    for unit, phrase in units:
        amount = match.group(unit)
        if amount:
            number = Decimal(amount)
            count = int(number) if number == number.to_integral_value() else 2
            parts.append(phrase(count) % {"n": _number(number)})
    return ", ".join(parts) or value.strip()[:40]


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _multiline(text: str) -> str:
    """A long text as lines: the ``<br/>`` some issuers write as text become line breaks (shown with
    ``linebreaksbr``, which escapes everything else)."""
    lines = (line.strip() for line in _BREAK.sub("\n", text or "").splitlines())
    return "\n".join(line for line in lines if line)


def _labels(values: Any, lang: str) -> str:
    return ", ".join(_pick(texts(value), lang) for value in values if value)


def _specification_facts(q: Qualification | None, lang: str, credential_lang: str) -> dict[str, Any] | None:
    if q is None:
        return None
    return {
        "title": _bilingual(q.title, lang, credential_lang),
        "description": _bilingual(q.description, lang, credential_lang),
        "is_qualification": q.kind == "qualification",
        "type": _pick(texts(q.type), lang),
        "code": q.code or "",
        "eqf_level": q.eqf_level,
        "nqf_level": q.nqf_level or "",
        "credits": _number(q.credits),
        "isced": q.isced_f_code or "",
        "isced_label": _pick(texts(q.isced_f_label), lang),
        "volume": duration_text(q.volume_of_learning),
        "duration": duration_text(q.duration),
        "homepage": q.homepage if (q.homepage or "").startswith(("https://", "http://")) else "",
        "outcomes": [
            {
                **_bilingual(outcome.text, lang, credential_lang),
                "description": _multiline(_pick(texts(outcome.description), lang)),
            }
            for outcome in q.learning_outcomes
        ],
    }


def _flat(items: Any, depth: int = 0) -> list[tuple[int, Any]]:
    """Items and their parts (``parts``), depth-first with their depth; bounded by what the reader read."""
    out: list[tuple[int, Any]] = []
    for item in items:
        out.append((depth, item))
        out.extend(_flat(item.parts, depth + 1))
    return out


def _assessments(items: Any, lang: str, credential_lang: str) -> list[dict[str, Any]]:
    rows = []
    for depth, a in _flat(items):
        scheme = a.grading_scheme
        rows.append(
            {
                "depth": min(depth, 3),
                "title": _bilingual(a.title, lang, credential_lang),
                "grade": a.grade or "",
                "date": a.assessed_on,
                "by": _labels(a.assessed_by, lang),
                "scheme": _pick(texts(scheme.title), lang) if scheme else "",
                "scheme_description": _multiline(_pick(texts(scheme.description), lang)) if scheme else "",
                "description": _pick(texts(a.description), lang),
                "type": _pick(texts(a.specification.type), lang) if a.specification else "",
            }
        )
    return rows


def _activities(items: Any, lang: str, credential_lang: str) -> list[dict[str, Any]]:
    rows = []
    for depth, a in _flat(items):
        hours = a.workload_hours
        rows.append(
            {
                "depth": min(depth, 3),
                "title": _bilingual(a.title, lang, credential_lang),
                "description": _pick(texts(a.description), lang),
                "workload": (
                    ngettext("%(n)s hour", "%(n)s hours", 2 if hours != 1 else 1) % {"n": _number(hours)}
                    if hours is not None
                    else duration_text(a.workload)
                ),
                "started": a.started_on,
                "ended": a.ended_on,
                "location": _pick(texts(a.location), lang),
                "by": _labels(a.directed_by, lang),
                "type": _pick(texts(a.specification.type), lang) if a.specification else "",
            }
        )
    return rows


def _entitlements(items: Any, lang: str, credential_lang: str) -> list[dict[str, Any]]:
    return [
        {
            "depth": min(depth, 3),
            "title": _bilingual(e.title, lang, credential_lang),
            "description": _multiline(_pick(texts(e.description), lang)),
            "type": _pick(texts(e.type), lang),
            "status": _pick(texts(e.status), lang),
            "valid_from": e.valid_from,
            "valid_until": e.valid_until,
            "where": _labels(e.jurisdictions, lang),
        }
        for depth, e in _flat(items)
    ]


def _achievement_sections(credential: Credential, lang: str, credential_lang: str) -> list[dict[str, Any]]:
    sections = []
    numbers: list[int] = []
    for depth, a in credential.all_achievements():
        del numbers[depth + 1 :]
        if len(numbers) <= depth:
            numbers.append(0)
        numbers[depth] += 1
        spec = _specification_facts(a.qualification, lang, credential_lang)
        assessments = _assessments(a.assessments, lang, credential_lang)
        sections.append(
            {
                "number": ".".join(str(n) for n in numbers[: depth + 1]),
                "depth": min(depth, 3),
                "title": _bilingual(a.title, lang, credential_lang),
                "description": _multiline(_pick(texts(a.description), lang)),
                "qualification_award": a.kind == "qualificationAward",
                "spec": spec,
                "grade": a.grade or "",
                "awarded_on": a.awarded_on,
                "awarded_by": _pick(texts(a.awarded_by.name), lang) if a.awarded_by else "",
                "assessments": assessments,
                "schemes": list(
                    {
                        (row["scheme"], row["scheme_description"]): {
                            "title": row["scheme"],
                            "description": row["scheme_description"],
                        }
                        for row in assessments
                        if row["scheme"] and row["scheme_description"]
                    }.values()
                ),
                "activities": _activities(a.activities, lang, credential_lang),
                "entitlements": _entitlements(a.entitlements, lang, credential_lang),
                "parts": len(a.sub_achievements),
            }
        )
    return sections


def _is_rich(credential: Credential) -> bool:
    achievements = credential.all_achievements()
    return bool(
        len(achievements) > 1
        or credential.activities
        or credential.entitlements
        or credential.attachments
        or credential.sub_credentials
        or credential.truncated
        or any(a.assessments or a.activities or a.entitlements for _, a in achievements)
    )


def rich_context(
    credential: Credential, *, lang: str, attachment_url: AttachmentUrl | None = None
) -> dict[str, Any] | None:
    """The rich parts ``credentials/_rich.html`` shows, or None for a credential that has only what the main facts
    show (one achievement and its qualification): every achievement numbered (``1.2`` is the second part of the
    first) with its specification, assessments, activities and entitlements; the holder's own activities and
    entitlements; the attachments with a download address when ``attachment_url(number)`` gives one (the page
    knows whether it can serve that attachment's bytes); the credentials it contains."""
    if not _is_rich(credential):
        return None
    lang = (lang or "en").split("-")[0]
    credential_lang = (credential.primary_language or "").split("-")[0]
    with translation.override(lang):
        attachments = []
        for number, item in enumerate(attachments_of(credential), 1):
            url = attachment_url(number) if attachment_url is not None and not item.too_large else None
            attachments.append(
                {
                    "number": number,
                    "name": _pick(texts(item.title), lang) or attachment_filename(item, number),
                    "content_type": item.content_type,
                    "size": item.size,
                    "url": url or "",
                    "too_large": item.too_large,
                    "link": item.url or "",
                }
            )
        return {
            "achievements": _achievement_sections(credential, lang, credential_lang),
            "activities": _activities(credential.activities, lang, credential_lang),
            "entitlements": _entitlements(credential.entitlements, lang, credential_lang),
            "attachments": attachments,
            "sub_credentials": [
                {
                    "title": _bilingual(sub.title, lang, credential_lang),
                    "awarding_body": _pick(texts(sub.awarding_body.name), lang),
                    "issued": sub.issued,
                    "achievements": [
                        {"depth": min(depth, 3), "title": _pick(texts(a.title), lang), "grade": a.grade or ""}
                        for depth, a in sub.all_achievements()
                    ],
                }
                for sub in credential.sub_credentials
            ],
            "truncated": credential.truncated,
        }


def attachment_filename(item: Attachment, number: int) -> str:
    """The name an attachment is saved under: its title, else ``attachment-N``, made safe and given the extension
    of the type it is served as (``europass.core.downloads``)."""
    from .downloads import attachment_type, safe_filename

    stem = _pick(texts(item.title), "en") or f"attachment-{number}"
    return safe_filename(stem, content_type=attachment_type(item.content_type))
