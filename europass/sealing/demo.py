"""A demo PKI: a demo trust anchor, an e-seal certificate for an organisation (with eIDAS QC statements), and a
time-stamping certificate. For demos and tests only: ``demo_setup`` uses it for the demo awarding body."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from .certificates import ORGANIZATION_IDENTIFIER, QC_STATEMENTS_OID, encode_qc_statements
from .keys import PrivateKey, SealKey

ANCHOR_NAME = "Europass Portal Demo Trust Anchor"
KeyType = Literal["rsa", "ec"]


@dataclass(frozen=True)
class DemoPKI:
    anchor_cert: x509.Certificate
    anchor_key: PrivateKey
    seal: SealKey

    def tsa(self, *, valid_days: int = 3650) -> SealKey:
        return make_tsa_certificate(self.anchor_cert, self.anchor_key, valid_days=valid_days)


def new_key(key_type: KeyType = "rsa") -> PrivateKey:
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def make_anchor(
    *, name: str = ANCHOR_NAME, key_type: KeyType = "rsa", valid_days: int = 3650
) -> tuple[x509.Certificate, PrivateKey]:
    key = new_key(key_type)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "EU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Europass Portal (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_certificate(
    issuer_cert: x509.Certificate,
    issuer_key: PrivateKey,
    subject: x509.Name,
    *,
    key: PrivateKey,
    valid_from: dt.datetime | None = None,
    valid_days: int = 730,
    qc: bool = True,
    digital_signature: bool = True,
    extended_usage: list[ObjectIdentifier] | None = None,
) -> x509.Certificate:
    start = valid_from or _now() - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=digital_signature,
                key_encipherment=False,
                data_encipherment=not digital_signature,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if qc:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(ObjectIdentifier(QC_STATEMENTS_OID), encode_qc_statements()),
            critical=False,
        )
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def seal_subject(org_name: str, org_identifier: str, country: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(ObjectIdentifier(ORGANIZATION_IDENTIFIER), org_identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org_name} e-seal"),
        ]
    )


def make_demo_pki(
    *,
    org_name: str = "Demo University",
    org_identifier: str = "VATFR-12345678901",
    country: str = "FR",
    key_type: KeyType = "rsa",
    valid_days: int = 730,
) -> DemoPKI:
    anchor_cert, anchor_key = make_anchor(key_type=key_type)
    key = new_key(key_type)
    cert = issue_certificate(
        anchor_cert,
        anchor_key,
        seal_subject(org_name, org_identifier, country),
        key=key,
        valid_days=valid_days,
    )
    return DemoPKI(anchor_cert=anchor_cert, anchor_key=anchor_key, seal=SealKey(key, cert, ()))


def make_tsa_certificate(
    anchor_cert: x509.Certificate, anchor_key: PrivateKey, *, valid_days: int = 3650
) -> SealKey:
    key = new_key("rsa")
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "EU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Europass Portal (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Europass Portal Demo Time-Stamping Authority"),
        ]
    )
    cert = issue_certificate(
        anchor_cert, anchor_key, subject, key=key, valid_days=valid_days, qc=False,
        extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING],
    )  # fmt: skip
    return SealKey(key, cert, ())
