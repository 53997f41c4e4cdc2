"""Certificates and revocation values a seal carries, read robustly.

Real seals are messy: a CRL stored as base64 of its PEM text rather than of its DER (a 2020 Commission credential
does this), an OCSP value that is only the BasicOCSPResponse, a certificate ``cryptography`` refuses (a policy
qualifier with a non-ASCII VisibleString), or plain garbage. Each value is read here with asn1crypto, fully (the
parse is forced, never left for later), and handed on as DER. A value that cannot be read is skipped with a
``Note`` (a sentence for people) for the report: never an exception.

``crl_revocation`` judges a CRL issued by a trust anchor that is not self-signed (an issuing CA trusted directly):
pyhanko-certvalidator cannot build the CRL issuer's path in that case, so the trust store asks here instead.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import logging
from collections.abc import Callable
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from europass.words import Text, said

from .evidence import Note

log = logging.getLogger(__name__)

MAX_VALUES = 64  # of each kind in one seal; more are skipped with a note
MAX_VALUE_BYTES = 8 * 1024 * 1024  # one value (a large CRL); the XML itself is already bounded


def _too_many(kind: str) -> Text:
    if kind == "crl":
        return said(
            "The seal carries more than %(limit)s values of this kind (CRL); the rest were skipped.",
            limit=MAX_VALUES,
        )
    if kind == "ocsp":
        return said(
            "The seal carries more than %(limit)s values of this kind (OCSP response); the rest were skipped.",
            limit=MAX_VALUES,
        )
    return said(
        "The seal carries more than %(limit)s values of this kind (certificate); the rest were skipped.",
        limit=MAX_VALUES,
    )


def _unreadable(kind: str, index: int) -> Text:
    if kind == "crl":
        return said(
            "The CRL no. %(index)s the seal carries could not be read (neither DER nor PEM); it was skipped.",
            index=index,
        )
    if kind == "ocsp":
        return said(
            "The OCSP response no. %(index)s the seal carries could not be read (neither DER nor PEM); it was "
            "skipped.",
            index=index,
        )
    return said(
        "The certificate no. %(index)s the seal carries could not be read (neither DER nor PEM); it was skipped.",
        index=index,
    )


def _candidates(value: bytes) -> list[bytes]:
    """The DER blobs a value may hold: PEM (one or more blocks), base64 text of DER, or DER itself."""
    stripped = value.strip()
    if pem.detect(stripped):
        return [der for _type, _headers, der in pem.unarmor(stripped, multiple=True)]
    if stripped.startswith(b"MI"):  # base64 text of DER (a SEQUENCE) without the PEM armour
        try:
            return [base64.b64decode(b"".join(stripped.split()), validate=True)]
        except (binascii.Error, ValueError):
            pass
    return [value]


def _read(values: list[bytes], kind: str, parse: Callable[[bytes], bytes]) -> tuple[list[bytes], list[Note]]:
    read: list[bytes] = []
    notes: list[Note] = []
    for index, value in enumerate(values, start=1):
        if index > MAX_VALUES:
            notes.append(Note(_too_many(kind)))
            break
        try:
            if not isinstance(value, bytes | bytearray) or len(value) > MAX_VALUE_BYTES:
                raise ValueError("too large or not bytes")
            blobs = _candidates(bytes(value))
            if not blobs:
                raise ValueError("no value")
            read += [parse(der) for der in blobs]
        except Exception as error:  # anything a hostile value provokes: skipped, never raised
            log.info("seal %s no. %d unreadable: %s", kind, index, type(error).__name__)
            notes.append(Note(_unreadable(kind, index)))
    return read, notes


def _full(value: Any) -> None:
    value.native  # noqa: B018 - force the whole parse now, not when a validator reaches it


def _crl(der: bytes) -> bytes:
    certificate_list = asn1_crl.CertificateList.load(der, strict=True)
    _full(certificate_list)
    return bytes(certificate_list.dump())


def _ocsp(der: bytes) -> bytes:
    try:
        response = asn1_ocsp.OCSPResponse.load(der, strict=True)
        _full(response)
        return bytes(response.dump())
    except Exception:
        # Some signers store the BasicOCSPResponse alone: wrap it as the OCSPResponse validators expect.
        basic = asn1_ocsp.BasicOCSPResponse.load(der, strict=True)
        _full(basic)
        wrapped = asn1_ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
            }
        )
        return bytes(wrapped.dump())


def _certificate(der: bytes) -> bytes:
    certificate = asn1_x509.Certificate.load(der, strict=True)
    _full(certificate)
    return bytes(certificate.dump())


def read_crls(values: list[bytes]) -> tuple[list[bytes], list[Note]]:
    """CRLs as DER (from DER or PEM); unreadable ones skipped, each with a note."""
    return _read(values, "crl", _crl)


def read_ocsps(values: list[bytes]) -> tuple[list[bytes], list[Note]]:
    """OCSP responses as DER ``OCSPResponse`` (a bare ``BasicOCSPResponse`` is wrapped); unreadable ones skipped."""
    return _read(values, "ocsp", _ocsp)


def read_certificates(values: list[bytes]) -> tuple[list[bytes], list[Note]]:
    """Certificates as DER (from DER or PEM), parsed with asn1crypto; unreadable ones skipped, each with a note."""
    return _read(values, "certificate", _certificate)


def _signature_ok(issuer: asn1_x509.Certificate, certificate_list: asn1_crl.CertificateList) -> bool:
    try:
        key = serialization.load_der_public_key(issuer.public_key.dump())
        algorithm = certificate_list["signature_algorithm"]
        digest = getattr(hashes, algorithm.hash_algo.upper())()
        signature = certificate_list["signature"].native
        data = certificate_list["tbs_cert_list"].dump()
        if isinstance(key, rsa.RSAPublicKey):
            if algorithm.signature_algo == "rsassa_pss":
                key.verify(signature, data, padding.PSS(padding.MGF1(digest), padding.PSS.AUTO), digest)
            else:
                key.verify(signature, data, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        else:
            return False
    except Exception:  # InvalidSignature, an unknown algorithm, a key that does not load
        return False
    return True


def crl_revocation(
    crls: list[bytes], certificate: asn1_x509.Certificate, issuer: asn1_x509.Certificate, moment: dt.datetime
) -> dt.datetime | None:
    """When ``certificate`` was revoked, if a CRL that ``issuer`` signed lists it as revoked at or before
    ``moment``; None otherwise. CRLs of other issuers, with a bad signature or unreadable are ignored."""
    for der in crls:
        try:
            certificate_list = asn1_crl.CertificateList.load(der)
            if certificate_list.issuer != issuer.subject or not _signature_ok(issuer, certificate_list):
                continue
            for entry in certificate_list["tbs_cert_list"]["revoked_certificates"]:
                if entry["user_certificate"].native == certificate.serial_number:
                    when: dt.datetime = entry["revocation_date"].native
                    if when <= moment:
                        return when
        except Exception:  # noqa: S112 - an unreadable CRL says nothing
            continue
    return None


def split_anchor_crls(
    crls: list[bytes], anchors: list[asn1_x509.Certificate]
) -> tuple[list[bytes], list[bytes]]:
    """(CRLs for the path validator, CRLs issued by a trust anchor that is not self-signed). pyhanko-certvalidator
    cannot build the path of a CRL issuer that is a trust anchor with an issuer of its own (an issuing CA trusted
    directly): it fails the whole path. Those CRLs are judged by ``revoked_in_path`` instead."""
    if not crls:
        return [], []
    subjects = set()
    for anchor in anchors:
        try:
            if anchor.self_signed == "no":
                subjects.add(anchor.subject.dump())
        except Exception:  # noqa: S112 - an anchor whose names do not read issues nothing here
            continue
    if not subjects:
        return list(crls), []
    general: list[bytes] = []
    own: list[bytes] = []
    for der in crls:
        try:
            issuer = asn1_crl.CertificateList.load(der).issuer.dump()
        except Exception:
            issuer = b""
        (own if issuer in subjects else general).append(der)
    return general, own


def revoked_in_path(
    path: list[asn1_x509.Certificate], crls: list[bytes], moment: dt.datetime
) -> tuple[asn1_x509.Certificate, dt.datetime] | None:
    """The first certificate of a validated path (root first) that one of ``crls``, signed by the certificate
    before it, lists as revoked at or before ``moment``, with the revocation time."""
    if not crls:
        return None
    for issuer, certificate in itertools.pairwise(path):
        when = crl_revocation(crls, certificate, issuer, moment)
        if when is not None:
            return certificate, when
    return None
