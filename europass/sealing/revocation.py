"""Revocation data for a seal certificate: what the seal carries, else what its authority publishes.

A seal certificate can be revoked (key compromise, the organisation ceased) and a seal made after that is worth
nothing. XAdES-LT / JAdES-LT seals carry the OCSP responses and CRLs that prove the status at sealing time;
others do not, and then the verifier asks the authority: its CRL distribution points, and its OCSP responder
(RFC 6960, GET form, so the request goes through the same guarded fetcher as everything else). This module only
reads certificates and builds requests; the fetching is passed in by the caller (``Fetch``), which applies the
SSRF rules and caches answers. Nothing here raises: an unreadable pointer is skipped.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from .validation_data import read_crls, read_ocsps

log = logging.getLogger(__name__)

Fetch = Callable[[str, str], bytes]  # (url, accept) -> body; raises on any failure
MAX_POINTERS = 4  # of each kind, per certificate


@dataclass(frozen=True)
class Pointers:
    crls: tuple[str, ...] = ()
    ocsp: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.crls or self.ocsp)


@dataclass(frozen=True)
class Fetched:
    """Revocation data obtained from the authority, and what could not be obtained."""

    ocsps: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.ocsps or self.crls)


def _http(urls: Sequence[str | None]) -> tuple[str, ...]:
    return tuple(u for u in urls if u and u.lower().startswith(("http://", "https://")))[:MAX_POINTERS]


@lru_cache(maxsize=512)
def pointers(cert_der: bytes) -> Pointers:
    """The HTTP(S) CRL distribution points and OCSP responders the certificate names."""
    try:
        cert = asn1_x509.Certificate.load(cert_der)
        crls = _http([point.url for point in (cert.crl_distribution_points or [])])
        responders = _http(list(cert.ocsp_urls or []))
    except Exception:  # a messy extension: no pointers rather than a crash
        log.info("revocation pointers unreadable", exc_info=True)
        return Pointers()
    return Pointers(crls, responders)


def issuer_of(cert_der: bytes, candidates: Sequence[bytes]) -> bytes | None:
    """The certificate among ``candidates`` whose subject is the certificate's issuer."""
    try:
        issuer = asn1_x509.Certificate.load(cert_der).issuer
    except Exception:
        return None
    for der in candidates:
        try:
            if asn1_x509.Certificate.load(der).subject == issuer:
                return der
        except Exception:  # noqa: S112 - one unreadable candidate must not stop the search
            continue
    return None


def ocsp_get_url(responder: str, cert_der: bytes, issuer_der: bytes) -> str | None:
    """RFC 6960 appendix A.1: the responder URL followed by the URL-encoded base64 DER request."""
    try:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(
                x509.load_der_x509_certificate(cert_der),
                x509.load_der_x509_certificate(issuer_der),
                hashes.SHA1(),  # noqa: S303 - the CertID hash every responder understands (RFC 5019)
            )
            .build()
        )
    except Exception:
        return None
    encoded = base64.b64encode(request.public_bytes(Encoding.DER)).decode()
    return responder.rstrip("/") + "/" + quote(encoded, safe="")


def fetch(cert_der: bytes, chain: Sequence[bytes], get: Fetch) -> Fetched:
    """Ask the certificate's authority: OCSP first (small, fresh), then the CRLs."""
    found = pointers(cert_der)
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    errors: list[str] = []
    issuer = issuer_of(cert_der, chain)
    for responder in found.ocsp:
        url = ocsp_get_url(responder, cert_der, issuer) if issuer else None
        if url is None:
            continue
        try:
            body = get(url, "application/ocsp-response")
            read, notes = read_ocsps([body])  # well-formed, or it does not count
            if not read:
                raise ValueError(notes[0].text.shown("en") if notes else "unreadable OCSP response")
            ocsps.append(read[0])
            break
        except Exception as error:
            errors.append(f"OCSP {responder}: {error}")
    if not ocsps:
        for point in found.crls:
            try:
                body = get(point, "application/pkix-crl")
                crls.append(_der_crl(body))
                break
            except Exception as error:
                errors.append(f"CRL {point}: {error}")
    return Fetched(tuple(ocsps), tuple(crls), tuple(errors))


def _der_crl(body: bytes) -> bytes:
    """A CRL as DER, whether it came as DER or PEM (read with asn1crypto, which reads CRLs `cryptography`
    refuses); raises ValueError when it is neither."""
    read, notes = read_crls([body])
    if len(read) != 1:
        raise ValueError(notes[0].text.shown("en") if notes else "not one CRL")
    return read[0]
