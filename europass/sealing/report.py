"""The verification report: named checks, each passed / failed / warning / not applicable, with a sentence
(translated when shown), details, and the European Commission's verification vocabulary."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from europass.credentials.model import Achievement, Activity, Assessment, Credential, Entitlement
from europass.words import Text

EC_CHECK = "http://data.europa.eu/snb/verification/"
EC_STATUS = "http://data.europa.eu/snb/verification-status/"
EC_CHECKS = {
    "well_formed": "2f5b89b96f",
    "schema_valid": "2f5b89b96f",
    "seal_intact": "f9c2016fe9",
    "certificate_trusted": "f9c2016fe9",
    "seal_qualified": "f9c2016fe9",
    "sealer_is_issuer": "f9c2016fe9",
    "not_revoked": "271aef9eb4",
    "issuer_accredited": "e2bbc86a28",
    "not_expired": "94d828f160",
}
ORDER = (
    "well_formed",
    "schema_valid",
    "seal_intact",
    "certificate_trusted",
    "seal_qualified",
    "sealer_is_issuer",
    "not_expired",
    "not_revoked",
    "issuer_accredited",
    "qualification_registered",
)


class CheckStatus(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    NOT_APPLICABLE = "not_applicable"


_EC_STATUS = {
    CheckStatus.PASSED: "9895008394",
    CheckStatus.WARNING: "9895008394",
    CheckStatus.FAILED: "9d26eb9a37",
    CheckStatus.NOT_APPLICABLE: "641f0c5e5d",
}


@dataclass(frozen=True)
class Check:
    code: str
    status: CheckStatus
    text: Text
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, status: CheckStatus, text: Text, **details: Any) -> Check:
        return cls(code, status, text, details)

    def message(self, lang: str | None = None) -> str:
        """The sentence in ``lang``; the active language when None."""
        return self.text.shown(lang)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        ec = EC_CHECKS.get(self.code)
        return {
            "code": self.code,
            "status": self.status.value,
            "message": self.message(lang),
            "details": _jsonable(self.details, lang),
            "ec_check": f"{EC_CHECK}{ec}" if ec else None,
            "ec_status": f"{EC_STATUS}{_EC_STATUS[self.status]}",
        }


@dataclass(frozen=True)
class SealInfo:
    certificate: dict[str, Any]
    chain: tuple[dict[str, Any], ...] = ()
    signing_time: dt.datetime | None = None
    proven_time: dt.datetime | None = None
    time_source: str = "claimed"  # "timestamp" | "claimed"
    timestamp_authority: str | None = None
    qualified: bool = False
    level: str = "advanced"  # "qualified" | "advanced" | "untrusted"
    signature_algorithm: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "certificate": self.certificate,
                "signing_time": self.signing_time,
                "proven_time": self.proven_time,
                "time_source": self.time_source,
                "timestamp_authority": self.timestamp_authority,
                "qualified": self.qualified,
                "level": self.level,
                "signature_algorithm": self.signature_algorithm,
            }
        )


def _jsonable(value: Any, lang: str = "en") -> Any:
    if isinstance(value, Text):
        return value.shown(lang)
    if isinstance(value, dict):
        return {str(k): _jsonable(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, lang) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _texts_in(value: Any, lang: str) -> str | None:
    return value.get(lang) if value else None


def _assessment(a: Assessment, lang: str) -> dict[str, Any]:
    scheme = a.grading_scheme
    return {
        "id": a.id,
        "title": a.title.get(lang),
        "grade": a.grade,
        "date": a.assessed_on,
        "description": _texts_in(a.description, lang),
        "assessed_by": [name.get(lang) for name in a.assessed_by],
        "grading_scheme": (
            {
                "id": scheme.id,
                "title": scheme.title.get(lang),
                "description": _texts_in(scheme.description, lang),
            }
            if scheme
            else None
        ),
        "type": _texts_in(a.specification.type if a.specification else None, lang),
        "parts": [_assessment(part, lang) for part in a.parts],
    }


def _activity(a: Activity, lang: str) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title.get(lang),
        "description": _texts_in(a.description, lang),
        "workload": a.workload,
        "workload_hours": str(a.workload_hours) if a.workload_hours is not None else None,
        "started_on": a.started_on,
        "ended_on": a.ended_on,
        "location": _texts_in(a.location, lang),
        "directed_by": [name.get(lang) for name in a.directed_by],
        "type": _texts_in(a.specification.type if a.specification else None, lang),
        "parts": [_activity(part, lang) for part in a.parts],
    }


def _entitlement(e: Entitlement, lang: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "title": e.title.get(lang),
        "description": _texts_in(e.description, lang),
        "type": _texts_in(e.type, lang),
        "status": _texts_in(e.status, lang),
        "valid_from": e.valid_from,
        "valid_until": e.valid_until,
        "jurisdictions": [place.get(lang) for place in e.jurisdictions],
        "parts": [_entitlement(part, lang) for part in e.parts],
    }


def _achievement(a: Achievement, lang: str) -> dict[str, Any]:
    q = a.qualification
    return {
        "title": a.title.get(lang),
        "awarded_on": a.awarded_on,
        "grade": a.grade,
        "awarded_by": (
            {"name": a.awarded_by.name.get(lang), "legal_identifier": a.awarded_by.legal_identifier}
            if a.awarded_by
            else None
        ),
        "qualification": (
            {
                "id": q.id,
                "code": q.code,
                "title": q.title.get(lang),
                "eqf_level": q.eqf_level,
                "nqf_level": q.nqf_level,
                "credits": str(q.credits) if q.credits is not None else None,
                "kind": q.kind,
                "type": _texts_in(q.type, lang),
                "isced_f_code": q.isced_f_code,
                "volume_of_learning": q.volume_of_learning,
                "duration": q.duration,
                "learning_outcomes": [
                    {"id": o.id, "text": o.text.get(lang), "description": _texts_in(o.description, lang)}
                    for o in q.learning_outcomes
                ],
            }
            if q
            else None
        ),
        "id": a.id,
        "kind": a.kind,
        "description": _texts_in(a.description, lang),
        "assessments": [_assessment(item, lang) for item in a.assessments],
        "activities": [_activity(item, lang) for item in a.activities],
        "entitlements": [_entitlement(item, lang) for item in a.entitlements],
        "sub_achievements": [_achievement(part, lang) for part in a.sub_achievements],
    }


def credential_summary(credential: Credential, lang: str = "en") -> dict[str, Any]:
    """The credential for the report: who, by whom, when, and every achievement with its qualification,
    assessments, activities, entitlements and parts; the holder's own activities and entitlements; the
    attachments (never their bytes); the credentials it contains; ``truncated`` when a reading bound left some
    of it out."""
    return _jsonable(
        {
            "id": credential.id,
            "title": credential.title.get(lang),
            "holder": {
                "name": credential.holder.display_name(lang),
                "date_of_birth": credential.holder.date_of_birth,
                "email": credential.holder.email,
            },
            "awarding_body": {
                "name": credential.awarding_body.name.get(lang),
                "legal_identifier": credential.awarding_body.legal_identifier,
                "country": credential.awarding_body.country,
            },
            "issued": credential.issued,
            "valid_from": credential.valid_from,
            "valid_until": credential.valid_until,
            "achievements": [_achievement(a, lang) for a in credential.achievements],
            "status": (
                {"url": credential.status.url, "index": credential.status.index}
                if credential.status
                else None
            ),
            "credential_type": _texts_in(credential.credential_type, lang),
            "activities": [_activity(item, lang) for item in credential.activities],
            "entitlements": [_entitlement(item, lang) for item in credential.entitlements],
            "attachments": [
                {
                    "id": item.id,
                    "title": _texts_in(item.title, lang),
                    "content_type": item.content_type,
                    "size": item.size,
                    "too_large": item.too_large,
                    "url": item.url,
                }
                for item in credential.attachments
            ],
            "sub_credentials": [credential_summary(sub, lang) for sub in credential.sub_credentials],
            "truncated": credential.truncated,
        }
    )


@dataclass(frozen=True)
class VerificationReport:
    checks: tuple[Check, ...]
    credential: Credential | None = None
    seal: SealInfo | None = None

    @property
    def valid(self) -> bool:
        return not any(check.status == CheckStatus.FAILED for check in self.checks)

    @property
    def verdict(self) -> str:
        if not self.valid:
            return "failed"
        if any(check.status == CheckStatus.WARNING for check in self.checks):
            return "partially_verified"
        return "verified"

    def check(self, code: str) -> Check | None:
        return next((check for check in self.checks if check.code == code), None)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "checks": [check.to_dict(lang) for check in self.checks],
            "seal": self.seal.to_dict() if self.seal else None,
            "credential": credential_summary(self.credential, lang) if self.credential else None,
        }
