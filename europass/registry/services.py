"""Writes to the register: trust anchors (by hand or from an ETSI trusted list) and qualification imports.

Every change to trust anchors goes through these functions: they validate the certificate and bump the trust
version in the shared cache so that every process rebuilds its in-memory trust store once (see
``selectors.trust_store``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError, Conflict

from . import exchange
from .models import Organisation, Qualification, SealCertificate, TrustAnchor
from .selectors import TRUST_VERSION

MAX_PEM_BYTES = 64 * 1024


@dataclass(frozen=True)
class CertificateFacts:
    """What the register keeps about a CA certificate."""

    der: bytes
    fingerprint_sha256: str
    subject: str
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime
    is_ca: bool


def certificate_facts(der: bytes) -> CertificateFacts:
    """Read a DER certificate with asn1crypto (which copes with real-world oddities `cryptography` refuses).

    Raises ApplicationError when the bytes are not a certificate.
    """
    try:
        cert = asn1_x509.Certificate.load(der, strict=True)
        tbs = cert["tbs_certificate"]
        validity = tbs["validity"]
        facts = CertificateFacts(
            der=der,
            fingerprint_sha256=hashlib.sha256(der).hexdigest(),
            subject=cert.subject.human_friendly,
            not_valid_before=validity["not_before"].native,
            not_valid_after=validity["not_after"].native,
            is_ca=bool(cert.ca),
        )
        cert.public_key.native  # noqa: B018 - forces a full parse of the key
    except Exception as exc:  # asn1crypto raises many types on bad input; none may escape
        raise ApplicationError(
            _("This is not a readable X.509 certificate."), code="certificate_unreadable"
        ) from exc
    return facts


def pem_to_der(pem: str | bytes) -> bytes:
    """The DER bytes of the first certificate in a PEM text (raw DER is accepted as well)."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    if len(data) > MAX_PEM_BYTES:
        raise ApplicationError(_("The certificate file is too large."), code="certificate_too_large")
    if not asn1_pem.detect(data):
        return data
    try:
        for object_type, _headers, der in asn1_pem.unarmor(data, multiple=True):
            if object_type == "CERTIFICATE":
                return bytes(der)
    except ValueError as exc:
        raise ApplicationError(
            _("This is not a readable PEM certificate."), code="certificate_unreadable"
        ) from exc
    raise ApplicationError(_("The file holds no certificate."), code="certificate_missing")


def der_to_pem(der: bytes) -> str:
    return asn1_pem.armor("CERTIFICATE", der).decode("ascii")


def _trust_changed() -> None:
    TRUST_VERSION.changed()


@transaction.atomic
def trust_anchor_add(
    *, pem: str | bytes, name: str, qualified_for_seals: bool = False, source: str = TrustAnchor.MANUAL
) -> TrustAnchor:
    """Add a CA certificate as a trust anchor.

    Refuses anything that is not a CA certificate, and a certificate that is already an anchor (Conflict).
    """
    facts = certificate_facts(pem_to_der(pem))
    if not facts.is_ca:
        raise ApplicationError(
            _(
                "This certificate is not a CA certificate (basic constraints do not say CA), so it cannot be a trust anchor."
            ),
            code="certificate_not_ca",
        )
    name = (name or "").strip()[:255] or facts.subject[:255]
    if TrustAnchor.objects.filter(fingerprint_sha256=facts.fingerprint_sha256).exists():
        raise Conflict(_("This certificate is already a trust anchor."), code="trust_anchor_exists")
    anchor = TrustAnchor.objects.create(
        name=name,
        certificate_pem=der_to_pem(facts.der),
        fingerprint_sha256=facts.fingerprint_sha256,
        subject=facts.subject[:1000],
        not_valid_before=facts.not_valid_before,
        not_valid_after=facts.not_valid_after,
        qualified_for_seals=qualified_for_seals,
        source=(source or TrustAnchor.MANUAL)[:64],
        active=True,
    )
    _trust_changed()
    return anchor


@transaction.atomic
def trust_anchor_deactivate(*, anchor: TrustAnchor) -> TrustAnchor:
    """Stop trusting an anchor (it stays listed, inactive, for the record)."""
    TrustAnchor.objects.filter(pk=anchor.pk).update(active=False)
    anchor.refresh_from_db()
    _trust_changed()
    return anchor


@transaction.atomic
def trust_anchor_activate(*, anchor: TrustAnchor) -> TrustAnchor:
    TrustAnchor.objects.filter(pk=anchor.pk).update(active=True)
    anchor.refresh_from_db()
    _trust_changed()
    return anchor


def trust_anchor_ensure(
    *, pem: str | bytes, name: str, qualified_for_seals: bool = False, source: str = TrustAnchor.MANUAL
) -> TrustAnchor:
    """Idempotent form for set-up scripts (the demo): add the anchor, or return (and re-activate) the existing one."""
    facts = certificate_facts(pem_to_der(pem))
    existing = TrustAnchor.objects.filter(fingerprint_sha256=facts.fingerprint_sha256).first()
    if existing is None:
        return trust_anchor_add(pem=pem, name=name, qualified_for_seals=qualified_for_seals, source=source)
    if not existing.active:
        existing = trust_anchor_activate(anchor=existing)
    return existing


def trust_anchor_add_file(*, path: Path, name: str, qualified_for_seals: bool = False) -> TrustAnchor:
    return trust_anchor_add(pem=path.read_bytes(), name=name, qualified_for_seals=qualified_for_seals)


# --- trusted lists --------------------------------------------------------------------------------------------


@dataclass
class TrustedListImportResult:
    territory: str
    signature_checked: bool
    added: list[TrustAnchor] = field(default_factory=list)
    updated: list[TrustAnchor] = field(default_factory=list)
    unchanged: list[TrustAnchor] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (service name, reason)
    warnings: list[str] = field(default_factory=list)


def _trusted_list_source(territory: str) -> str:
    return f"trusted list {territory or '??'}"


@transaction.atomic
def trusted_list_import(
    *, data: bytes, signer_cert_pem: bytes | None = None, seals_only: bool = False
) -> TrustedListImportResult:
    """Import the qualified CAs of an ETSI TS 119 612 trusted list as trust anchors (see ``trustedlist``).

    Idempotent: certificates are matched by SHA-256 fingerprint; a re-import adds only what is new and updates
    the "qualified for seals" flag of anchors that came from the same list. Anchors of this list whose service
    is no longer granted are deactivated. With ``signer_cert_pem`` the list's signature must verify, else nothing
    is imported; without it the result carries a warning that the signature was not checked.
    """
    from . import trustedlist

    parsed, root = trustedlist.parse(data)
    result = TrustedListImportResult(territory=parsed.territory, signature_checked=False)
    if signer_cert_pem is not None:
        trustedlist.verify_signature(root, signer_cert_pem)
        result.signature_checked = True
    elif parsed.signed:
        result.warnings.append(
            _("The trusted list's own signature was NOT checked: give the signer certificate to check it.")
        )
    else:
        result.warnings.append(_("The trusted list is not signed: its origin cannot be checked."))
    result.warnings.extend(parsed.problems)
    source = _trusted_list_source(parsed.territory)
    changed = False
    wanted: dict[str, tuple[trustedlist.ListedService, CertificateFacts]] = {}
    withdrawn: set[str] = set()
    for service in parsed.services:
        label = service.name or service.provider or "?"
        if service.service_type != trustedlist.CA_QC:
            result.skipped.append(
                (label, _("not a qualified CA service (%(type)s)") % {"type": service.service_type})
            )
            continue
        facts_list: list[CertificateFacts] = []
        for der in service.certificates:
            try:
                facts_list.append(certificate_facts(der))
            except ApplicationError:
                result.skipped.append((label, _("a certificate of this service cannot be read")))
        if service.status != trustedlist.GRANTED:
            withdrawn.update(facts.fingerprint_sha256 for facts in facts_list)
            result.skipped.append(
                (label, _("its current status is not granted (%(status)s)") % {"status": service.status})
            )
            continue
        if seals_only and not service.for_eseals:
            result.skipped.append((label, _("not qualified for electronic seals")))
            continue
        if not service.certificates:
            result.skipped.append((label, _("no X.509 certificate in its digital identity")))
        for facts in facts_list:
            if not facts.is_ca:
                result.skipped.append((label, _("its certificate is not a CA certificate")))
                continue
            previous = wanted.get(facts.fingerprint_sha256)
            if previous is None or (service.for_eseals and not previous[0].for_eseals):
                wanted[facts.fingerprint_sha256] = (service, facts)
    existing = {
        anchor.fingerprint_sha256: anchor
        for anchor in TrustAnchor.objects.select_for_update().filter(
            fingerprint_sha256__in=[*wanted, *withdrawn]
        )
    }
    for fingerprint, (service, facts) in wanted.items():
        anchor = existing.get(fingerprint)
        if anchor is None:
            anchor = TrustAnchor.objects.create(
                name=(service.name or service.provider or facts.subject)[:255],
                certificate_pem=der_to_pem(facts.der),
                fingerprint_sha256=fingerprint,
                subject=facts.subject[:1000],
                not_valid_before=facts.not_valid_before,
                not_valid_after=facts.not_valid_after,
                qualified_for_seals=service.for_eseals,
                source=source,
                active=True,
            )
            result.added.append(anchor)
            changed = True
        elif anchor.source == source and (
            anchor.qualified_for_seals != service.for_eseals or not anchor.active
        ):
            TrustAnchor.objects.filter(pk=anchor.pk).update(
                qualified_for_seals=service.for_eseals, active=True
            )
            anchor.refresh_from_db()
            result.updated.append(anchor)
            changed = True
        else:
            result.unchanged.append(anchor)
    for fingerprint in withdrawn - set(wanted):
        anchor = existing.get(fingerprint)
        if anchor is not None and anchor.source == source and anchor.active:
            TrustAnchor.objects.filter(pk=anchor.pk).update(active=False)
            anchor.refresh_from_db()
            result.updated.append(anchor)
            changed = True
    if changed:
        _trust_changed()
    return result


# --- qualifications import ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated)


class QualificationImportError(ApplicationError):
    """Nothing was imported; ``problems`` lists every bad row with its column and reason."""

    code = "qualifications_invalid"

    def __init__(self, problems: list[exchange.Problem]) -> None:
        shown = "; ".join(str(problem) for problem in problems[:10])
        more = len(problems) - 10
        if more > 0:
            shown += " " + _("(and %(count)s more)") % {"count": more}
        super().__init__(
            _("Nothing was imported. %(problems)s") % {"problems": shown},
            extra={"problems": [{"row": p.row, "column": p.column, "message": p.message} for p in problems]},
        )
        self.problems = problems


def qualifications_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in {"csv", "xml"}:
        raise ApplicationError(
            _("Give a .csv or .xml file (or say which format it is)."), code="qualifications_format"
        )
    return suffix


@transaction.atomic
def qualifications_import(*, data: bytes, fmt: str) -> ImportResult:
    """Create or update qualifications (matched by code) from CSV or XML: all of them, or none.

    Every row is checked first (file rules, then the model's own validators); any problem raises
    QualificationImportError naming each bad row, and nothing is written.
    """
    if fmt not in {"csv", "xml"}:
        raise ApplicationError(_("The format is csv or xml."), code="qualifications_format")
    try:
        records, problems = exchange.read_csv(data) if fmt == "csv" else exchange.read_xml(data)
    except exchange.FileRefused as refused:
        raise QualificationImportError(refused.problems) from None
    existing = {
        q.code: q
        for q in Qualification.objects.select_for_update().filter(code__in=[r.code for r in records])
    }
    pending: list[tuple[Qualification, bool]] = []
    for record in records:
        qualification = existing.get(record.code)
        is_new = qualification is None
        if qualification is None:
            qualification = Qualification(code=record.code)
        qualification.title = (
            {**{k: v for k, v in qualification.title.items() if k not in exchange.LANGS}, **record.title}
            if fmt == "csv"
            else record.title
        )
        qualification.description = (
            {
                **{k: v for k, v in qualification.description.items() if k not in exchange.LANGS},
                **record.description,
            }
            if fmt == "csv"
            else record.description
        )
        qualification.eqf_level = record.eqf_level
        qualification.nqf_level = record.nqf_level
        qualification.isced_f_code = record.isced_f_code
        qualification.credits = record.credits
        qualification.learning_outcomes = record.learning_outcomes
        qualification.status = record.status
        qualification.uri = record.uri
        try:
            qualification.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for column, messages in error.message_dict.items():
                problems.extend(exchange.Problem(record.row, column, str(m)) for m in messages)
        pending.append((qualification, is_new))
    if problems:
        raise QualificationImportError(sorted(set(problems), key=lambda p: (p.row, p.column, p.message)))
    result = ImportResult()
    for qualification, is_new in pending:
        qualification.save()
        (result.created if is_new else result.updated).append(qualification.code)
    return result


def qualifications_export(*, fmt: str) -> bytes:
    qualifications = Qualification.objects.order_by("code")
    if fmt == "csv":
        return exchange.write_csv(qualifications.iterator())
    if fmt == "xml":
        return exchange.write_xml(qualifications.iterator())
    raise ApplicationError(_("The format is csv or xml."), code="qualifications_format")


def seal_certificate_record(*, organisation: Organisation, der: bytes) -> SealCertificate:
    """Record a seal certificate as the organisation's (each e-seal installed here): seals made with it vouch for
    the organisation in the ``sealer_is_issuer`` check, with or without an organisation identifier."""
    from europass.sealing.certificates import summarize

    summary = summarize(der)
    record, _created = SealCertificate.objects.get_or_create(
        organisation=organisation,
        fingerprint_sha256=summary.sha256,
        defaults={
            "subject": summary.subject[:1000],
            "organization_identifier": (summary.organization_identifier or "")[:255],
            "not_valid_after": summary.not_after,
        },
    )
    return record
