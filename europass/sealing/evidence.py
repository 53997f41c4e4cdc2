"""What a seal proves, whatever its format: the facts every check is judged on.

A seal module (XAdES for ELM v2 XML, JAdES for EDC 3 JSON-LD, and whatever comes next) checks the cryptography of
its own format and hands the rest of the verifier a ``SealEvidence``: the seal certificate, the certificates and
revocation data the seal carries, the claimed and the proven signing time. It raises ``SealRefused`` (with a
sentence for people, translated when shown) when the seal is broken or not acceptable. Everything after that (certificate path,
qualified level, sealer-is-issuer, revocation) is format-neutral and lives in the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from europass.words import Text


class SealRefused(Exception):
    """The seal is missing, broken, or built in a way that is not accepted. ``details`` go into the report."""

    def __init__(self, text: Text, **details: object) -> None:
        self.text = text
        super().__init__(self.text.shown("en"))
        self.details = details


@dataclass(frozen=True)
class Note:
    """A remark on something in the seal that was skipped (e.g. an unreadable CRL), translated when shown."""

    text: Text


@dataclass
class SealEvidence:
    format: str  # "xades" | "jades"
    certificate_der: bytes  # the seal (signing) certificate, DER
    certificates: list[bytes] = field(default_factory=list)  # other certificates the seal carries, DER
    ocsps: list[bytes] = field(default_factory=list)  # DER OCSPResponse values the seal carries
    crls: list[bytes] = field(default_factory=list)  # DER CertificateList values the seal carries
    signing_time: dt.datetime | None = None  # claimed by the seal (XAdES SigningTime, JAdES sigT), UTC
    proven_time: dt.datetime | None = None  # proven by a signature time-stamp, UTC
    timestamp_authority: str | None = None  # the time-stamping authority's subject, when proven
    timestamp_certificates: list[bytes] = field(default_factory=list)  # certificates in the time-stamp token
    algorithm: str = ""  # e.g. "rsa-sha256", "RS256"
    notes: list[Note] = field(default_factory=list)  # things skipped with a warning (never a failure alone)

    @property
    def time_source(self) -> str:
        return "timestamp" if self.proven_time is not None else "claimed"

    @property
    def moment(self) -> dt.datetime | None:
        """When the certificate is judged: the proven time, else the claimed one."""
        return self.proven_time or self.signing_time
