"""Whether the seal belongs to the awarding body the credential names (the ``sealer_is_issuer`` check).

Anyone with a certificate under a trusted authority can seal any document. What makes a seal vouch for the
awarding body named inside is its certificate's ``organizationIdentifier`` (OID 2.5.4.97, ETSI EN 319 412-1, e.g.
``VATFR-12345678901``): it must be the legal identifier of that awarding body. The Commission's issuer copies the
issuer data from the certificate for the same reason. For an organisation in our register, the certificate must
also be one the register records as that organisation's: its registered legal identifier, the identifier of one of
its registered seal certificates, or that very certificate.

A certificate without an organisation identifier cannot prove whose seal it is: unless the register records that
certificate as the awarding body's, the check is a warning (not a failure). Certificates made before ETSI EN
319 412-1 (2016) carry none, and a genuine credential sealed with one is not a forgery; but the warning keeps the
verdict below "verified", and the accreditation check does not vouch for a body the seal is not bound to.

Pure functions: the register's facts are passed in (``RegisteredBody``), so this module imports no Django app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from europass.credentials.model import AwardingBody, Credential
from europass.words import Text, said

from .report import Check, CheckStatus, SealInfo

CODE = "sealer_is_issuer"


def normalise_identifier(value: str | None) -> str:
    """Identifiers compare without spaces and case: ``vatfr-123 456`` is ``VATFR-123456``."""
    return "".join((value or "").split()).upper()


def same_legal_person(a: str | None, b: str | None) -> bool:
    return bool(normalise_identifier(a)) and normalise_identifier(a) == normalise_identifier(b)


def claimed_identifiers(body: AwardingBody) -> frozenset[str]:
    """Every legal identifier the credential gives for the body (registration, eIDAS identifiers, VAT)."""
    return frozenset(
        normalise_identifier(i) for i in (body.legal_identifier, *body.identifiers) if normalise_identifier(i)
    )


@dataclass(frozen=True)
class RegisteredBody:
    """What the register records about the awarding body: its name, legal identifier, the organisation
    identifiers and fingerprints (SHA-256 hex) of its registered seal certificates."""

    name: str
    legal_identifier: str
    seal_identifiers: frozenset[str] = field(default_factory=frozenset)
    seal_fingerprints: frozenset[str] = field(default_factory=frozenset)

    def identifiers(self) -> frozenset[str]:
        return frozenset(
            normalise_identifier(i)
            for i in (self.legal_identifier, *self.seal_identifiers)
            if normalise_identifier(i)
        )

    def owns(self, certificate: Mapping[str, Any]) -> bool:
        """Whether a seal certificate (its summary) is the body's: a registered certificate, or one carrying a
        registered identifier."""
        return str(certificate.get("sha256") or "").lower() in self.seal_fingerprints or (
            normalise_identifier(str(certificate.get("organization_identifier") or "")) in self.identifiers()
        )


@dataclass(frozen=True)
class Binding:
    status: CheckStatus
    text: Text

    @property
    def bound(self) -> bool:
        return self.status == CheckStatus.PASSED


def _names(body: AwardingBody) -> str:
    return body.name.get("en") or body.legal_identifier or body.id or "?"


def bind(credential: Credential, seal: SealInfo | None, registered: RegisteredBody | None = None) -> Binding:
    body = credential.awarding_body
    name = _names(body)
    if seal is None:
        return Binding(CheckStatus.NOT_APPLICABLE, said("Not checked: the seal could not be read."))
    sealer = normalise_identifier(str(seal.certificate.get("organization_identifier") or ""))
    fingerprint = str(seal.certificate.get("sha256") or "").lower()
    claimed = claimed_identifiers(body)
    registered_certificate = registered is not None and fingerprint in registered.seal_fingerprints
    if registered is not None and registered_certificate:
        return Binding(
            CheckStatus.PASSED,
            said(
                "Sealed by %(name)s itself: the register records this seal certificate as its own.",
                name=name,
            ),
        )
    if not sealer:
        return Binding(
            CheckStatus.WARNING,
            said(
                "The seal certificate names no organisation identifier, so nothing proves that the seal is "
                "%(name)s's own: the credential may have been sealed by another organisation.",
                name=name,
            ),
        )
    if not claimed:
        return Binding(
            CheckStatus.WARNING,
            said(
                "The credential gives no legal identifier for its awarding body (%(name)s): nothing ties the seal "
                "(%(sealer)s) to it.",
                name=name,
                sealer=sealer,
            ),
        )
    presenter = credential.presented_by
    if sealer not in claimed and presenter is not None and sealer in claimed_identifiers(presenter):
        by = _names(presenter)
        if registered is not None:
            return Binding(
                CheckStatus.FAILED,
                said(
                    "Sealed by %(by)s (%(sealer)s), which presents the credential, not by %(registered)s: the "
                    "register records %(registered)s, and this seal is not one of its own.",
                    by=by,
                    sealer=sealer,
                    registered=registered.name,
                ),
            )
        return Binding(
            CheckStatus.WARNING,
            said(
                "Sealed by %(by)s (%(sealer)s), which presents the credential (a verifiable presentation), not by "
                "its awarding body %(name)s: the seal proves who presents it, not that %(name)s awarded it.",
                by=by,
                sealer=sealer,
                name=name,
            ),
        )
    if sealer not in claimed:
        return Binding(
            CheckStatus.FAILED,
            said(
                "Sealed by another organisation: the seal certificate belongs to %(sealer)s, while the credential "
                "names %(name)s (%(identifiers)s) as its awarding body.",
                sealer=sealer,
                name=name,
                identifiers=", ".join(sorted(claimed)),
            ),
        )
    if registered is not None and sealer not in registered.identifiers():
        return Binding(
            CheckStatus.FAILED,
            said(
                "The seal (%(sealer)s) is not one the register records for %(registered)s (%(identifier)s).",
                sealer=sealer,
                registered=registered.name,
                identifier=registered.legal_identifier,
            ),
        )
    if registered is not None:
        return Binding(
            CheckStatus.PASSED,
            said(
                "Sealed by the awarding body itself: the seal certificate's organisation identifier (%(sealer)s) "
                "is %(name)s's, as the register records.",
                sealer=sealer,
                name=name,
            ),
        )
    return Binding(
        CheckStatus.PASSED,
        said(
            "Sealed by the awarding body itself: the seal certificate's organisation identifier (%(sealer)s) is "
            "%(name)s's.",
            sealer=sealer,
            name=name,
        ),
    )


def check(credential: Credential, seal: SealInfo | None, registered: RegisteredBody | None = None) -> Check:
    binding = bind(credential, seal, registered)
    details: dict[str, Any] = {
        "awarding_body": credential.awarding_body.name.get("en") or credential.awarding_body.id,
        "awarding_body_identifiers": sorted(claimed_identifiers(credential.awarding_body)),
        "seal_organization_identifier": (seal.certificate.get("organization_identifier") if seal else None),
    }
    if credential.presented_by is not None:
        details["presented_by"] = credential.presented_by.name.get("en") or credential.presented_by.id
        details["presenter_identifiers"] = sorted(claimed_identifiers(credential.presented_by))
    if registered is not None:
        details["register"] = {"name": registered.name, "legal_identifier": registered.legal_identifier}
    return Check.of(CODE, binding.status, binding.text, **details)


def other_awarding_bodies(credential: Credential) -> list[AwardingBody]:
    """The bodies named in awarding processes that are not the issuer (a credential issued on their behalf)."""
    seen: dict[str, AwardingBody] = {}
    for achievement in credential.achievements:
        body = achievement.awarded_by
        if body is not None and not same_legal_person(
            body.legal_identifier, credential.awarding_body.legal_identifier
        ):
            seen.setdefault(body.id, body)
    return list(seen.values())
