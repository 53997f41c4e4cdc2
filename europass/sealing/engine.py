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
from europass.words import Text, joined, said, said_day, said_minute

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
    # What it is, said when it reads well: "Safe, well-formed Europass credential XML (ELM v2)." (one sentence per
    # format, so that each language can agree it with what the document is).
    described: Text
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


def _na(code: str, text: Text) -> Check:
    return Check.of(code, CheckStatus.NOT_APPLICABLE, text)


def _not_read(code: str) -> Check:
    return _na(code, said("Not checked: the document could not be read."))


def _content_untrusted(code: str, ctx: Context) -> Check:
    if ctx.refused is None:
        return _not_read(code)
    return _na(code, said("Not judged: without an intact seal, nothing in the credential can be trusted."))


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
        return Check("seal_intact", CheckStatus.FAILED, refused.text, dict(refused.details))
    try:
        credential = document.credential()
    except CredentialError as error:
        ctx.refused = SealRefused(error.text)
        return Check.of(
            "seal_intact",
            CheckStatus.FAILED,
            said(
                "The seal is intact, but what it seals is not a readable credential: %(reason)s",
                reason=error.text,
            ),
            reason=error.code,
        )
    evidence = _trusted_time(ctx, evidence)
    ctx.evidence, ctx.credential = evidence, credential
    try:
        ctx.certificate = summarize(evidence.certificate_der).to_json()
        sealed_by = ctx.certificate.get("subject")
    except SealingError as error:
        ctx.certificate, sealed_by = {"error": error.text}, None
    return Check.of(
        "seal_intact",
        CheckStatus.PASSED,
        said("The seal is intact: the credential has not been changed since it was sealed."),
        sealed_by=sealed_by,
        seal_format=evidence.format,
        signing_time=evidence.signing_time,
        proven_time=evidence.proven_time,
        time_source=evidence.time_source,
        timestamp_authority=evidence.timestamp_authority,
        algorithm=evidence.algorithm,
        notes=[note.text for note in evidence.notes] or None,
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
                said(
                    "The time-stamp's authority (%(name)s) is not trusted here: the time it states "
                    "(%(time)s UTC) is not proven, and the time the seal claims is used instead.",
                    name=name,
                    time=said_minute(stamp_time),
                )
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
            said("Not judged: the seal is not intact, so its certificate proves nothing."),
        )
    details = ctx.certificate
    if not _key_usage_ok(evidence.certificate_der):
        ctx.path = PathResult(False)
        return Check.of(
            "certificate_trusted",
            CheckStatus.FAILED,
            said("The seal certificate may not be used for seals (key usage)."),
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
            path.text or said("The certificate path is not valid."),
            certificate=details,
            judged_at=moment,
            revocation=status,
        )
    at = f"{moment:%Y-%m-%d %H:%M} UTC"
    proven = evidence.time_source == "timestamp"
    if proven and path.expired_since:
        valid = said(
            "The seal certificate was valid and trusted at the signing time (%(at)s, proven by a time-stamp); "
            "it has expired since, which does not affect credentials sealed before.",
            at=at,
        )
    elif proven:
        valid = said(
            "The seal certificate was valid and trusted at the signing time (%(at)s, proven by a time-stamp).",
            at=at,
        )
    elif path.expired_since:
        valid = said(
            "The seal certificate was valid and trusted at the signing time (%(at)s, as claimed by the seal: "
            "no time-stamp proves it); it has expired since, which does not affect credentials sealed before.",
            at=at,
        )
    else:
        valid = said(
            "The seal certificate was valid and trusted at the signing time (%(at)s, as claimed by the seal: "
            "no time-stamp proves it).",
            at=at,
        )
    fine = (proven or not path.expired_since) and status != "unavailable"
    return Check.of(
        "certificate_trusted",
        CheckStatus.PASSED if fine else CheckStatus.WARNING,
        joined([valid, REVOCATION_SOURCES[status]]),
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
            "seal_qualified", said("The seal's level cannot be judged: its certificate is not trusted.")
        )
    if level == "qualified":
        return Check.of(
            "seal_qualified",
            CheckStatus.PASSED,
            said(
                "Qualified electronic seal (eIDAS): qualified certificate for seals from a qualified trust service."
            ),
            qc_types=list(qc.qc_types) if qc else [],
            sscd=bool(qc and qc.sscd),
        )
    claims = bool(qc and qc.qualified_seal)
    return Check.of(
        "seal_qualified",
        CheckStatus.WARNING,
        said(
            "Advanced electronic seal: trusted, but not a qualified seal (the certificate claims to be qualified, "
            "but its authority is not on a trusted list here)."
        )
        if claims
        else said("Advanced electronic seal: trusted, but not a qualified seal."),
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
            said("The credential expired on %(day)s.", day=said_day(credential.valid_until)),
            valid_until=credential.valid_until,
        )
    if credential.valid_until:
        return Check.of(
            "not_expired",
            CheckStatus.PASSED,
            said("The credential is valid until %(day)s.", day=said_day(credential.valid_until)),
            valid_until=credential.valid_until,
        )
    return Check.of("not_expired", CheckStatus.PASSED, said("The credential does not expire."))


def _unchecked(code: str, text: Text) -> Callable[[Context], Check]:
    """A check the engine cannot judge alone (it needs a register): the caller's extra checks replace it."""

    def check(ctx: Context) -> Check:
        return _na(code, text) if ctx.credential is not None else _content_untrusted(code, ctx)

    return check


CHECKS: tuple[tuple[str, Callable[[Context], Check]], ...] = (
    ("schema_valid", check_schema),
    ("seal_intact", check_seal_intact),
    ("certificate_trusted", check_certificate_trusted),
    ("seal_qualified", check_seal_qualified),
    ("sealer_is_issuer", check_sealer_is_issuer),
    ("not_expired", check_not_expired),
    ("not_revoked", _unchecked("not_revoked", said("Revocation status not checked here."))),
    (
        "issuer_accredited",
        _unchecked("issuer_accredited", said("Accreditation not checked here (no register).")),
    ),
    (
        "qualification_registered",
        _unchecked("qualification_registered", said("Qualification not checked against a register here.")),
    ),
)


def _not_judged(code: str) -> Check:
    return _na(code, said("Could not be judged: the document holds content this check cannot read."))


# --- the engine ------------------------------------------------------------------------------------------------


def _read(data: bytes, readers: Sequence[Reader], options: Options) -> tuple[Document | None, Check]:
    reader = next((r for r in readers if r.accepts(data)), None)
    if reader is None:
        return None, Check.of(
            "well_formed",
            CheckStatus.FAILED,
            said("This is not a credential format this verifier reads (Europass XML, or EDC 3 JSON-LD)."),
            reason="unknown_format",
        )
    try:
        document = reader.read(data, options)
    except CredentialError as error:
        return None, Check.of("well_formed", CheckStatus.FAILED, error.text, reason=error.code)
    return document, Check.of("well_formed", CheckStatus.PASSED, document.described)


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
            said("The document could not be read (unexpected content)."),
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
                    said("The seal could not be verified (unexpected content)."),
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


REVOCATION_SOURCES: dict[str, Text] = {  # how the seal certificate's revocation status was known
    "seal": said("Not revoked, according to the OCSP / CRL data the seal carries."),
    "fetched": said("Not revoked, according to its certificate authority (asked just now)."),
    "none_published": said("Its authority publishes no revocation service for it."),
    "unavailable": said(
        "Whether it has been revoked could not be checked: its authority's CRL / OCSP service could not be "
        "reached."
    ),
}
