"""The verification report: named checks, each passed / failed / warning / not applicable, with a sentence in
English and French, details, and the European Commission's verification vocabulary."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from europass.credentials.model import Credential

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
    messages: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, status: CheckStatus, en: str, fr: str, **details: Any) -> Check:
        return cls(code, status, {"en": en, "fr": fr}, details)

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang[:2], self.messages["en"])

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        ec = EC_CHECKS.get(self.code)
        return {
            "code": self.code,
            "status": self.status.value,
            "message": self.message(lang),
            "details": _jsonable(self.details),
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def credential_summary(credential: Credential, lang: str = "en") -> dict[str, Any]:
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
            "achievements": [
                {
                    "title": a.title.get(lang),
                    "awarded_on": a.awarded_on,
                    "grade": a.grade,
                    "awarded_by": (
                        {
                            "name": a.awarded_by.name.get(lang),
                            "legal_identifier": a.awarded_by.legal_identifier,
                        }
                        if a.awarded_by
                        else None
                    ),
                    "qualification": (
                        {
                            "id": a.qualification.id,
                            "code": a.qualification.code,
                            "title": a.qualification.title.get(lang),
                            "eqf_level": a.qualification.eqf_level,
                            "nqf_level": a.qualification.nqf_level,
                            "credits": str(a.qualification.credits)
                            if a.qualification.credits is not None
                            else None,
                        }
                        if a.qualification
                        else None
                    ),
                }
                for a in credential.achievements
            ],
            "status": (
                {"url": credential.status.url, "index": credential.status.index}
                if credential.status
                else None
            ),
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
