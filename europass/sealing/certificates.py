"""Certificate helpers: eIDAS QC statements, the organisationIdentifier, a summary people can read.

Real certificates are messy (``cryptography`` refuses some): everything here works from DER with asn1crypto and
never lets a parse error escape as anything but a clear ``SealingError``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from asn1crypto import core
from asn1crypto import x509 as asn1_x509

from europass.words import said

from .errors import SealingError

QC_STATEMENTS_OID = "1.3.6.1.5.5.7.1.3"
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPES = {"0.4.0.1862.1.6.1": "esign", "0.4.0.1862.1.6.2": "eseal", "0.4.0.1862.1.6.3": "web"}
QC_TYPE_OIDS = {name: oid for oid, name in QC_TYPES.items()}
ORGANIZATION_IDENTIFIER = "2.5.4.97"


class QcStatement(core.Sequence):
    _fields = [("statement_id", core.ObjectIdentifier), ("statement_info", core.Any, {"optional": True})]


class QcStatements(core.SequenceOf):
    _child_spec = QcStatement


class QcTypes(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


@dataclass(frozen=True)
class QcInfo:
    compliance: bool = False
    qc_types: tuple[str, ...] = ()
    sscd: bool = False

    @property
    def qualified_seal(self) -> bool:
        return self.compliance and "eseal" in self.qc_types


def _asn1(cert_der: bytes) -> asn1_x509.Certificate:
    try:
        cert = asn1_x509.Certificate.load(cert_der)
        cert.native  # noqa: B018 - force a full parse now, not later
        return cert
    except Exception as error:
        raise SealingError(
            "bad_certificate",
            said("A certificate could not be read (%(error)s).", error=type(error).__name__),
        ) from None


def _extension(cert: asn1_x509.Certificate, oid: str) -> bytes | None:
    for extension in cert["tbs_certificate"]["extensions"]:
        if extension["extn_id"].dotted == oid:
            return bytes(extension["extn_value"].contents)
    return None


@lru_cache(maxsize=512)
def qc_statements(cert_der: bytes) -> QcInfo:
    der = _extension(_asn1(cert_der), QC_STATEMENTS_OID)
    if der is None:
        return QcInfo()
    try:
        statements = QcStatements.load(der)
        compliance = sscd = False
        types: list[str] = []
        for statement in statements:
            oid = statement["statement_id"].dotted
            if oid == QC_COMPLIANCE:
                compliance = True
            elif oid == QC_SSCD:
                sscd = True
            elif oid == QC_TYPE and statement["statement_info"].contents:
                types += [
                    QC_TYPES.get(t.dotted, t.dotted) for t in QcTypes.load(statement["statement_info"].dump())
                ]
        return QcInfo(compliance=compliance, qc_types=tuple(types), sscd=sscd)
    except Exception:
        return QcInfo()


def encode_qc_statements(*, compliance: bool = True, qc_type: str = "eseal", sscd: bool = True) -> bytes:
    """DER of a QCStatements extension value (for a certificate builder's UnrecognizedExtension)."""
    statements = []
    if compliance:
        statements.append(QcStatement({"statement_id": QC_COMPLIANCE}))
    if qc_type:
        info = core.Any.load(QcTypes([QC_TYPE_OIDS[qc_type]]).dump())
        statements.append(QcStatement({"statement_id": QC_TYPE, "statement_info": info}))
    if sscd:
        statements.append(QcStatement({"statement_id": QC_SSCD}))
    return bytes(QcStatements(statements).dump())


@lru_cache(maxsize=512)
def organization_identifier(cert_der: bytes) -> str | None:
    subject = _asn1(cert_der)["tbs_certificate"]["subject"]
    for rdn in subject.chosen:
        for attribute in rdn:
            if attribute["type"].dotted == ORGANIZATION_IDENTIFIER:
                value = attribute["value"].native
                return str(value)
    return None


@dataclass(frozen=True)
class CertificateSummary:
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    key: str
    qualified: bool
    qc: QcInfo = field(default_factory=QcInfo)
    organization_identifier: str | None = None
    sha256: str = ""
    is_ca: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key": self.key,
            "qualified": self.qualified,
            "qc_types": list(self.qc.qc_types),
            "qc_sscd": self.qc.sscd,
            "organization_identifier": self.organization_identifier,
            "sha256": self.sha256,
        }


def _key_description(cert: asn1_x509.Certificate) -> str:
    info = cert.public_key
    algorithm = info.algorithm.upper()
    try:
        if algorithm == "RSA":
            return f"RSA {info.bit_size}"
        if algorithm == "EC":
            return f"ECDSA {info.curve[1]}"
    except Exception:  # noqa: S110 - a description is best-effort
        pass
    return algorithm


@lru_cache(maxsize=512)
def summarize(cert_der: bytes) -> CertificateSummary:
    cert = _asn1(cert_der)
    qc = qc_statements(cert_der)
    validity = cert["tbs_certificate"]["validity"]
    return CertificateSummary(
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=validity["not_before"].native.astimezone(dt.UTC),
        not_after=validity["not_after"].native.astimezone(dt.UTC),
        key=_key_description(cert),
        qualified=qc.qualified_seal,
        qc=qc,
        organization_identifier=organization_identifier(cert_der),
        sha256=hashlib.sha256(cert_der).hexdigest(),
        is_ca=bool(cert.ca),
    )
