"""The European Commission's EDC 3 samples (ELM 3 JSON-LD sealed with JAdES), read from ``../shared/interop/edc3/``,
and the certificate authority that issued their seal certificate, taken from the signature itself.

The seal certificate (CN=TEST SEAL, ANF) is in the protected header's ``x5c``; its issuer, "ANF AC Qualified
Certificates for eSeal", is one of the certificates of the ``xVals`` entry of ``etsiU`` (each entry is base64url
JSON). That CA, made a trust anchor qualified for seals, lets the chain be judged here without its root.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509

EDC3 = Path(__file__).resolve().parents[3] / "shared" / "interop" / "edc3"
SIGNED = ["Sample-CertOfPart-signed.jsonld", "Sample-MC-Annex1-signed.jsonld"]
ISSUING_CA = "ANF AC Qualified Certificates for eSeal"
JSON_TYPES = ["application/json", "application/ld+json", "application/jose+json", "application/vc+ld+json"]


def edc3_sample(name: str) -> bytes:
    return (EDC3 / name).read_bytes()


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_certificate(name: str) -> bytes:
    """The seal certificate (DER): the first of the protected header's ``x5c``."""
    signature = json.loads(edc3_sample(name))["signatures"][0]
    return base64.b64decode(json.loads(_b64url(signature["protected"]))["x5c"][0])


def carried_certificates(name: str) -> list[bytes]:
    """Every certificate of the ``xVals`` entries (DER)."""
    signature = json.loads(edc3_sample(name))["signatures"][0]
    found: list[bytes] = []
    for entry in signature["header"]["etsiU"]:
        value = json.loads(_b64url(entry))
        for item in value.get("xVals", []):
            found.append(base64.b64decode(item["x509Cert"]["val"]))
    return found


def issuing_ca_pem(name: str) -> bytes:
    """The CA that issued the sample's seal certificate (PEM), as the signature carries it."""
    issuer = asn1_x509.Certificate.load(seal_certificate(name)).issuer
    for der in carried_certificates(name):
        certificate = asn1_x509.Certificate.load(der)
        if certificate.subject == issuer and certificate.ca:
            assert certificate.subject.native["common_name"] == ISSUING_CA
            return asn1_pem.armor("CERTIFICATE", der)
    raise AssertionError(f"no issuing CA in the xVals of {name}")


def anchor_the_issuing_ca() -> None:
    """Both samples' issuing CA as a trust anchor of the register, qualified for seals."""
    from europass.registry.services import trust_anchor_add

    pems = {issuing_ca_pem(name) for name in SIGNED}
    assert len(pems) == 1  # the same CA issued both seal certificates
    trust_anchor_add(pem=pems.pop(), name=ISSUING_CA, qualified_for_seals=True)


def reserialised(document: bytes) -> bytes:
    """What a client that parses the credential and writes it again (``json.dumps`` with ``sort_keys``) sends: the
    same JSON, payload included, with its keys in another order and other spacing."""
    outer = json.loads(document)
    outer["payload"] = json.dumps(json.loads(outer["payload"]), sort_keys=True)
    return json.dumps(outer, sort_keys=True).encode()
