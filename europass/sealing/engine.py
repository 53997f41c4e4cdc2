"""One verifier for every credential format.

A *reader* per document format (ELM v2 XML, EDC 3 JSON-LD, ...) turns the bytes into a ``Document``: how to check
its schema, how to check its seal (a seal module per seal format — XAdES, JAdES — returning the format-neutral
``SealEvidence``), and how to read the credential into the one ``Credential`` model. Everything after the seal is
format-neutral: each check is one function over a small ``Context``, run in the report's order. A third format (an
SD-JWT VC from an EU digital identity wallet, say) is one more reader and one more seal module.

Every check that can be judged is judged: a schema problem does not hide the seal or the certificate, and nothing in
a document (an unreadable certificate, a CRL in PEM) can crash a check: a check that raises is reported as not
judged, and the others still run. ``verify()`` never raises.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from asn1crypto import x509 as asn1_x509

from europass.credentials.errors import CredentialError
from europass.credentials.model import Credential

from . import binding, revocation
from .certificates import qc_statements, summarize
from .errors import SealingError
from .evidence import Note, SealEvidence, SealRefused
from .report import ORDER, Check, CheckStatus, SealInfo, VerificationReport
from .trust import PathResult, TrustStore

log = logging.getLogger(__name__)

ExtraCheck = Callable[[Credential, SealInfo | None], Check]


# --- documents and readers --------------------------------------------------------------------------------------


@dataclass
class Document:
    """What a reader made of the bytes. The callables are run by the engine, each under its own check."""

    format: str  # "elm2-xml" | "edc3-jsonld"
    described: tuple[str, str]  # what it is, in English and French ("Europass credential XML (ELM v2)")
    schema: Callable[[], Check]
    seal: Callable[[], SealEvidence]  # raises SealRefused
    credential: Callable[[], Credential]  # raises CredentialError; only called once the seal is intact


@dataclass(frozen=True)
class Options:
    """What readers may need besides the bytes (a schema validator chosen by the caller, for instance)."""

    schema: object | None = None


class Reader(Protocol):
    format: str

    def accepts(self, data: bytes) -> bool: ...

    def read(self, data: bytes, options: Options) -> Document: ...  # raises CredentialError


# --- the context the checks share -------------------------------------------------------------------------------


@dataclass
class Context:
    trust: TrustStore
    now: dt.datetime
    revocation_fetch: revocation.Fetch | None = None
    document: Document | None = None
    evidence: SealEvidence | None = None
    refused: SealRefused | None = None  # why the seal is not intact
    credential: Credential | None = None
    certificate: dict[str, object] = field(default_factory=dict)  # the seal certificate, summarised
    path: PathResult | None = None
    seal: SealInfo | None = None


def _na(code: str, en: str, fr: str) -> Check:
    return Check.of(code, CheckStatus.NOT_APPLICABLE, en, fr)


def _not_read(code: str) -> Check:
    return _na(
        code, "Not checked: the document could not be read.", "Non vérifié : le document n'a pas pu être lu."
    )


def _content_untrusted(code: str, ctx: Context) -> Check:
    if ctx.refused is None:
        return _not_read(code)
    return _na(
        code,
        "Not judged: without an intact seal, nothing in the credential can be trusted.",
        "Non évalué : sans cachet intact, rien dans l'attestation n'est digne de confiance.",
    )


# --- the checks, in the report's order -------------------------------------------------------------------------


def check_schema(ctx: Context) -> Check:
    if ctx.document is None:
        return _not_read("schema_valid")
    return ctx.document.schema()


def check_seal_intact(ctx: Context) -> Check:
    document = ctx.document
    if document is None:
        return _not_read("seal_intact")
    try:
        evidence = document.seal()
    except SealRefused as refused:
        ctx.refused = refused
        return Check.of("seal_intact", CheckStatus.FAILED, refused.en, refused.fr, **refused.details)
    try:
        credential = document.credential()
    except CredentialError as error:
        ctx.refused = SealRefused(error.messages["en"], error.messages["fr"])
        return Check.of(
            "seal_intact",
            CheckStatus.FAILED,
            "The seal is intact, but what it seals is not a readable credential: " + error.messages["en"],
            "Le cachet est intact, mais ce qu'il scelle n'est pas une attestation lisible : "
            + error.messages["fr"],
            reason=error.code,
        )
    evidence = _trusted_time(ctx, evidence)
    ctx.evidence, ctx.credential = evidence, credential
    try:
        ctx.certificate = summarize(evidence.certificate_der).to_json()
        sealed_by = ctx.certificate.get("subject")
    except SealingError as error:
        ctx.certificate, sealed_by = {"error": error.messages["en"]}, None
    return Check.of(
        "seal_intact",
        CheckStatus.PASSED,
        "The seal is intact: the credential has not been changed since it was sealed.",
        "Le cachet est intact : l'attestation n'a pas été modifiée depuis qu'elle a été scellée.",
        sealed_by=sealed_by,
        seal_format=evidence.format,
        signing_time=evidence.signing_time,
        proven_time=evidence.proven_time,
        time_source=evidence.time_source,
        timestamp_authority=evidence.timestamp_authority,
        algorithm=evidence.algorithm,
        notes=[{"en": n.en, "fr": n.fr} for n in evidence.notes] or None,
    )


def _trusted_time(ctx: Context, evidence: SealEvidence) -> SealEvidence:
    """A time-stamp proves the sealing time only when its authority is trusted: a qualified time-stamping service
    on a trusted list granted at that time, or a certificate that chains to a trust anchor. Anyone can run a
    time-stamping authority and state any time; an untrusted one leaves the time claimed, with a note."""
    if evidence.proven_time is None:
        return evidence
    stamp_time = evidence.proven_time
    if evidence.timestamp_certificates:
        authority, *others = evidence.timestamp_certificates
        if ctx.trust.timestamp_authority(authority, stamp_time) is not None:
            return evidence
        # The authority's chain at the time it states; the seal's revocation data is about the seal certificate
        # (its freshness rules would refuse a time-stamp made after it), so none is given here.
        path = ctx.trust.validate(authority, [*others, *evidence.certificates], moment=stamp_time)
        if path.trusted:
            return evidence
    name = evidence.timestamp_authority or "?"
    return dataclasses.replace(
        evidence,
        proven_time=None,
        notes=[
            *evidence.notes,
            Note(
                f"The time-stamp's authority ({name}) is not trusted here: the time it states "
                f"({stamp_time:%Y-%m-%d %H:%M} UTC) is not proven, and the time the seal claims is used instead.",
                f"L'autorité d'horodatage ({name}) n'est pas de confiance ici : l'heure qu'elle indique "
                f"({stamp_time:%d/%m/%Y %H:%M} UTC) n'est pas prouvée, et l'heure que déclare le cachet est "
                "retenue.",
            ),
        ],
    )


@lru_cache(maxsize=256)
def _key_usage_ok(cert_der: bytes) -> bool:
    """Whether the certificate may make seals; a certificate whose key usage cannot be read may not."""
    try:
        usage = asn1_x509.Certificate.load(cert_der).key_usage_value
        return usage is None or bool({"digital_signature", "non_repudiation"} & set(usage.native))
    except Exception:  # asn1crypto raises many kinds of error on malformed DER
        return False


def _revocation_data(ctx: Context, evidence: SealEvidence) -> tuple[list[bytes], list[bytes], str]:
    """The seal certificate's revocation data: carried by the seal, else asked of its authority (when allowed)."""
    if evidence.ocsps or evidence.crls:
        return list(evidence.ocsps), list(evidence.crls), "seal"
    if not revocation.pointers(evidence.certificate_der):
        return [], [], "none_published"
    if ctx.revocation_fetch is not None:
        anchors = [a.certificate_der for a in ctx.trust.anchors]
        fetched = revocation.fetch(
            evidence.certificate_der, [*evidence.certificates, *anchors], ctx.revocation_fetch
        )
        if fetched:
            return list(fetched.ocsps), list(fetched.crls), "fetched"
    return [], [], "unavailable"


def check_certificate_trusted(ctx: Context) -> Check:
    evidence = ctx.evidence
    if evidence is None:
        if ctx.refused is None:
            return _not_read("certificate_trusted")
        return _na(
            "certificate_trusted",
            "Not judged: the seal is not intact, so its certificate proves nothing.",
            "Non évalué : le cachet n'est pas intact, son certificat ne prouve donc rien.",
        )
    details = ctx.certificate
    if not _key_usage_ok(evidence.certificate_der):
        ctx.path = PathResult(False)
        return Check.of(
            "certificate_trusted",
            CheckStatus.FAILED,
            "The seal certificate may not be used for seals (key usage).",
            "Le certificat du cachet ne peut pas servir de cachet (usage de la clé).",
            certificate=details,
        )
    moment = evidence.moment or ctx.now
    ocsps, crls, status = _revocation_data(ctx, evidence)
    path = ctx.trust.validate(
        evidence.certificate_der,
        [*evidence.certificates, *evidence.timestamp_certificates],
        moment=moment,
        ocsps=ocsps,
        crls=crls,
    )
    ctx.path = path
    if not path.trusted:
        return Check.of(
            "certificate_trusted",
            CheckStatus.FAILED,
            path.reason("en"),
            path.reason("fr"),
            certificate=details,
            judged_at=moment,
            revocation=status,
        )
    at = f"{moment:%Y-%m-%d %H:%M} UTC"
    en = f"The seal certificate was valid and trusted at the signing time ({at}"
    fr = f"Le certificat du cachet était valide et de confiance au moment de la signature ({at}"
    proven = evidence.time_source == "timestamp"
    if proven:
        en, fr = en + ", proven by a time-stamp)", fr + ", prouvé par un horodatage)"
    else:
        en, fr = (
            en + ", as claimed by the seal: no time-stamp proves it)",
            fr + ", déclaré par le cachet : aucun horodatage ne le prouve)",
        )
    if path.expired_since:
        en += "; it has expired since, which does not affect credentials sealed before."
        fr += " ; il a expiré depuis, ce qui n'affecte pas les attestations scellées auparavant."
    else:
        en, fr = en + ".", fr + "."
    how_en, how_fr = REVOCATION_SOURCES[status]
    en, fr = f"{en} {how_en}", f"{fr} {how_fr}"
    fine = (proven or not path.expired_since) and status != "unavailable"
    return Check.of(
        "certificate_trusted",
        CheckStatus.PASSED if fine else CheckStatus.WARNING,
        en,
        fr,
        certificate=details,
        anchor=path.anchor.name if path.anchor else None,
        path=list(path.path),
        judged_at=moment,
        expired_since=path.expired_since,
        revocation=status,
    )


def check_seal_qualified(ctx: Context) -> Check:
    evidence, path = ctx.evidence, ctx.path
    level = "untrusted"
    qc = None
    if evidence is not None and path is not None and path.trusted:
        try:
            qc = qc_statements(evidence.certificate_der)
        except SealingError:
            qc = None
        qualified = bool(qc and qc.qualified_seal and path.anchor and path.anchor.qualified_for_seals)
        level = "qualified" if qualified else "advanced"
    if evidence is not None:
        ctx.seal = SealInfo(
            certificate=ctx.certificate,
            signing_time=evidence.signing_time,
            proven_time=evidence.proven_time,
            time_source=evidence.time_source,
            timestamp_authority=evidence.timestamp_authority,
            qualified=level == "qualified",
            level=level,
            signature_algorithm=evidence.algorithm,
        )
    if evidence is None:
        return _content_untrusted("seal_qualified", ctx)
    if level == "untrusted":
        return _na(
            "seal_qualified",
            "The seal's level cannot be judged: its certificate is not trusted.",
            "Le niveau du cachet ne peut être établi : son certificat n'est pas de confiance.",
        )
    if level == "qualified":
        return Check.of(
            "seal_qualified",
            CheckStatus.PASSED,
            "Qualified electronic seal (eIDAS): qualified certificate for seals from a qualified trust service.",
            "Cachet électronique qualifié (eIDAS) : certificat qualifié de cachet émis par un prestataire qualifié.",
            qc_types=list(qc.qc_types) if qc else [],
            sscd=bool(qc and qc.sscd),
        )
    claims = bool(qc and qc.qualified_seal)
    return Check.of(
        "seal_qualified",
        CheckStatus.WARNING,
        "Advanced electronic seal: trusted, but not a qualified seal"
        + (
            " (the certificate claims to be qualified, but its authority is not on a trusted list here)."
            if claims
            else "."
        ),
        "Cachet électronique avancé : de confiance, mais non qualifié"
        + (
            " (le certificat se dit qualifié, mais son autorité ne figure pas sur une liste de confiance ici)."
            if claims
            else "."
        ),
        qc_claimed=claims,
    )


def check_sealer_is_issuer(ctx: Context) -> Check:
    if ctx.credential is None:
        return _content_untrusted("sealer_is_issuer", ctx)
    return binding.check(ctx.credential, ctx.seal)


def check_not_expired(ctx: Context) -> Check:
    credential = ctx.credential
    if credential is None:
        return _content_untrusted("not_expired", ctx)
    if credential.valid_until and credential.valid_until < ctx.now:
        return Check.of(
            "not_expired",
            CheckStatus.FAILED,
            f"The credential expired on {credential.valid_until:%Y-%m-%d}.",
            f"L'attestation a expiré le {credential.valid_until:%d/%m/%Y}.",
            valid_until=credential.valid_until,
        )
    if credential.valid_until:
        return Check.of(
            "not_expired",
            CheckStatus.PASSED,
            f"The credential is valid until {credential.valid_until:%Y-%m-%d}.",
            f"L'attestation est valable jusqu'au {credential.valid_until:%d/%m/%Y}.",
            valid_until=credential.valid_until,
        )
    return Check.of(
        "not_expired", CheckStatus.PASSED, "The credential does not expire.", "L'attestation n'expire pas."
    )


def _unchecked(code: str, en: str, fr: str) -> Callable[[Context], Check]:
    """A check the engine cannot judge alone (it needs a register): the caller's extra checks replace it."""

    def check(ctx: Context) -> Check:
        return _na(code, en, fr) if ctx.credential is not None else _content_untrusted(code, ctx)

    return check


CHECKS: tuple[tuple[str, Callable[[Context], Check]], ...] = (
    ("schema_valid", check_schema),
    ("seal_intact", check_seal_intact),
    ("certificate_trusted", check_certificate_trusted),
    ("seal_qualified", check_seal_qualified),
    ("sealer_is_issuer", check_sealer_is_issuer),
    ("not_expired", check_not_expired),
    (
        "not_revoked",
        _unchecked(
            "not_revoked", "Revocation status not checked here.", "Statut de révocation non vérifié ici."
        ),
    ),
    (
        "issuer_accredited",
        _unchecked(
            "issuer_accredited",
            "Accreditation not checked here (no register).",
            "Habilitation non vérifiée ici (pas de registre).",
        ),
    ),
    (
        "qualification_registered",
        _unchecked(
            "qualification_registered",
            "Qualification not checked against a register here.",
            "Certification non confrontée à un registre ici.",
        ),
    ),
)


def _not_judged(code: str) -> Check:
    return _na(
        code,
        "Could not be judged: the document holds content this check cannot read.",
        "N'a pas pu être évalué : le document contient des données que ce contrôle ne sait pas lire.",
    )


# --- the engine ------------------------------------------------------------------------------------------------


def _read(data: bytes, readers: Sequence[Reader], options: Options) -> tuple[Document | None, Check]:
    reader = next((r for r in readers if r.accepts(data)), None)
    if reader is None:
        return None, Check.of(
            "well_formed",
            CheckStatus.FAILED,
            "This is not a credential format this verifier reads (Europass XML, or EDC 3 JSON-LD).",
            "Ce n'est pas un format d'attestation que ce vérificateur lit (XML Europass, ou JSON-LD EDC 3).",
            reason="unknown_format",
        )
    try:
        document = reader.read(data, options)
    except CredentialError as error:
        return None, Check.of(
            "well_formed", CheckStatus.FAILED, error.messages["en"], error.messages["fr"], reason=error.code
        )
    en, fr = document.described
    return document, Check.of(
        "well_formed", CheckStatus.PASSED, f"Safe, well-formed {en}.", f"{fr} sûr et bien formé."
    )


def run(
    data: bytes,
    trust: TrustStore,
    *,
    readers: Sequence[Reader],
    options: Options = Options(),
    extra_checks: Sequence[ExtraCheck] = (),
    now: dt.datetime | None = None,
    revocation_fetch: revocation.Fetch | None = None,
) -> VerificationReport:
    ctx = Context(trust=trust, now=now or dt.datetime.now(dt.UTC), revocation_fetch=revocation_fetch)
    checks: dict[str, Check] = {}
    try:
        ctx.document, checks["well_formed"] = _read(data, readers, options)
    except Exception:
        log.exception("verification: reading the document failed unexpectedly")
        checks["well_formed"] = Check.of(
            "well_formed",
            CheckStatus.FAILED,
            "The document could not be read (unexpected content).",
            "Le document n'a pas pu être lu (contenu inattendu).",
        )
    for code, check in CHECKS:
        try:
            checks[code] = check(ctx)
        except Exception:
            log.exception("verification: check %s failed unexpectedly", code)
            checks[code] = (
                Check.of(
                    code,
                    CheckStatus.FAILED,
                    "The seal could not be verified (unexpected content).",
                    "Le cachet n'a pas pu être vérifié (contenu inattendu).",
                )
                if code == "seal_intact"
                else _not_judged(code)
            )
    if ctx.credential is not None:
        for extra in extra_checks:
            try:
                result = extra(ctx.credential, ctx.seal)
            except Exception:
                log.exception("verification: an extra check failed")
                continue
            checks[result.code] = result
    ordered = [checks[code] for code in ORDER if code in checks]
    ordered += [check for code, check in checks.items() if code not in ORDER]
    return VerificationReport(tuple(ordered), credential=ctx.credential, seal=ctx.seal)


REVOCATION_SOURCES = {  # how the seal certificate's revocation status was known: (English, French)
    "seal": (
        "Not revoked, according to the OCSP / CRL data the seal carries.",
        "Non révoqué, selon les données OCSP / LCR que porte le cachet.",
    ),
    "fetched": (
        "Not revoked, according to its certificate authority (asked just now).",
        "Non révoqué, selon son autorité de certification (interrogée à l'instant).",
    ),
    "none_published": (
        "Its authority publishes no revocation service for it.",
        "Son autorité ne publie aucun service de révocation pour lui.",
    ),
    "unavailable": (
        "Whether it has been revoked could not be checked: its authority's CRL / OCSP service could not be reached.",
        "Sa révocation n'a pas pu être vérifiée : le service LCR / OCSP de son autorité est injoignable.",
    ),
}
