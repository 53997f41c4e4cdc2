"""Test-only: a JAdES sealer (ETSI TS 119 182-1, the JWS JSON serialization with an unencoded payload, as the
Commission's issuer makes them) and an in-process RFC 3161 time-stamping authority, with test keys. Issuing EDC 3
credentials is a later issue; this is what the tests and the benchmark seal with.

    tsa = TestTSA.from_pki(pki)
    document = seal_jades(payload_text, pki.seal, tsa=tsa)          # B-T: sigTst in etsiU
    document = seal_jades(payload_text, pki.seal)                   # B-B
    add_validation_data(document, certificates=[...], crls=[...], ocsps=[...])
    add_archive_timestamp(document, tsa)                            # arcTst over everything before it
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from europass.sealing.demo import DemoPKI, make_tsa_certificate
from europass.sealing.keys import PrivateKey, SealKey

DELETE = object()  # in ``header``: take the member out


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _sign(key: PrivateKey, data: bytes, digest: hashes.HashAlgorithm) -> bytes:
    """A CMS-style signature (PKCS#1 v1.5 or DER ECDSA)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), digest)
    return key.sign(data, ec.ECDSA(digest))


@dataclass
class TestTSA:
    """An RFC 3161 authority in the test process: tokens signed with its test key, its certificate included."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    key: PrivateKey
    certificate: x509.Certificate

    @classmethod
    def from_pki(cls, pki: DemoPKI) -> TestTSA:
        tsa = make_tsa_certificate(pki.anchor_cert, pki.anchor_key)
        return cls(tsa.private_key, tsa.certificate)

    def token(
        self,
        data: bytes,
        *,
        at: dt.datetime | None = None,
        digest: str = "sha256",
        names: x509.Certificate | None = None,
    ) -> bytes:
        """A TimeStampToken (CMS SignedData over a TSTInfo) whose imprint is ``digest(data)``."""
        at = (at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.3.6.1.4.1.99999.1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": digest},
                    "hashed_message": hashlib.new(digest, data).digest(),
                },
                "serial_number": secrets.randbits(63),
                "gen_time": at,
                "nonce": secrets.randbits(63),
            }
        )
        encoded = info.dump()
        certificate = asn1_x509.Certificate.load(der(self.certificate))
        named = (
            der(names) if names is not None else certificate.dump()
        )  # the signed signing-certificate attribute
        attributes = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(encoded).digest()]}),
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [{"certs": [{"cert_hash": hashlib.sha256(named).digest()}]}],
                    }
                ),
            ]
        )
        signature = _sign(self.key, attributes.dump(), hashes.SHA256())
        rsa_key = isinstance(self.key, rsa.RSAPrivateKey)
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    }
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attributes,
                "signature_algorithm": {"algorithm": "sha256_rsa" if rsa_key else "sha256_ecdsa"},
                "signature": signature,
            }
        )
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(encoded),
                },
                "certificates": [certificate],
                "signer_infos": [signer],
            }
        )
        return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())

    def container(self, data: bytes, *, at: dt.datetime | None = None) -> dict[str, Any]:
        """A JAdES time-stamp container: ``{"tstTokens": [{"val": base64 DER}]}``."""
        return {"tstTokens": [{"val": b64(self.token(data, at=at))}]}


def default_algorithm(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}[key.curve.name]


def jws_sign(key: PrivateKey, alg: str, data: bytes) -> bytes:
    """A JWS signature value (RFC 7518 3): PKCS#1 v1.5, PSS, or raw r || s for ECDSA."""
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith("RS"):
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PKCS1v15(), digest)
    if alg.startswith("PS"):
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size), digest)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def issuer_serial(certificate: x509.Certificate) -> str:
    """The JAdES ``kid``: base64 of the DER IssuerSerial of the certificate (TS 119 182-1 5.1.4)."""
    parsed = asn1_x509.Certificate.load(der(certificate))
    value = cms.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=parsed.issuer)],
            "serial": parsed.serial_number,
        }
    )
    return b64(value.dump())


def protected_header(
    signer: SealKey,
    *,
    alg: str,
    b64_payload: bool = False,
    signing_time: dt.datetime | None = None,
    content_stamp: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The header the Commission's issuer writes (same members, same order), then ``header`` merged in (a value of
    ``DELETE`` takes the member out)."""
    chain = [signer.certificate, *signer.chain]
    protected: dict[str, Any] = {
        "alg": alg,
        "cty": "octet-stream",
        "kid": issuer_serial(signer.certificate),
        "x5t#S256": b64url(hashlib.sha256(der(signer.certificate)).digest()),
        "x5c": [b64(der(c)) for c in chain],
        "typ": "jose+json",
    }
    crit = []
    if not b64_payload:
        protected["b64"] = False
        crit.append("b64")
    protected["sigT"] = (signing_time or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    crit.append("sigT")
    if content_stamp is not None:
        protected["adoTst"] = content_stamp
        crit.append("adoTst")
    protected["crit"] = crit
    for name, value in (header or {}).items():
        if value is DELETE:
            protected.pop(name, None)
        else:
            protected[name] = value
    return protected


def seal_jades(
    payload: str,
    signer: SealKey,
    *,
    tsa: TestTSA | None = None,
    content_tsa: TestTSA | None = None,
    alg: str | None = None,
    b64_payload: bool = False,
    flattened: bool = False,
    signing_time: dt.datetime | None = None,
    header: dict[str, Any] | None = None,
    unprotected: dict[str, Any] | None = None,
    sign_with: PrivateKey | None = None,
) -> dict[str, Any]:
    """Seal ``payload`` (the JSON text of a credential) with ``signer``: B-B, or B-T with ``tsa`` (a ``sigTst``
    over the base64url signature value); ``content_tsa`` adds an ``adoTst`` over the payload. ``header`` overrides
    protected members; ``sign_with`` signs with another key than the certificate's (for tests of mismatches)."""
    alg = alg or default_algorithm(signer.private_key)
    payload_part = b64url(payload.encode("utf-8")) if b64_payload else payload
    content_stamp = content_tsa.container(payload_part.encode("utf-8")) if content_tsa else None
    protected = protected_header(
        signer,
        alg=alg,
        b64_payload=b64_payload,
        signing_time=signing_time,
        content_stamp=content_stamp,
        header=header,
    )
    encoded_header = b64url(compact_json(protected).encode("utf-8"))
    signing_input = encoded_header.encode("ascii") + b"." + payload_part.encode("utf-8")
    signature = b64url(jws_sign(sign_with or signer.private_key, alg, signing_input))
    etsi_u: list[str] = []
    if tsa is not None:
        etsi_u.append(etsi_entry({"sigTst": tsa.container(signature.encode("ascii"))}))
    unsigned: dict[str, Any] = {"etsiU": etsi_u} if etsi_u else {}
    unsigned.update(unprotected or {})
    entry: dict[str, Any] = {"protected": encoded_header}
    if unsigned:
        entry["header"] = unsigned
    entry["signature"] = signature
    if flattened:
        return {"payload": payload_part, **entry}
    return {"payload": payload_part, "signatures": [entry]}


def etsi_entry(component: dict[str, Any]) -> str:
    """An etsiU entry as the Commission stores them: base64url of the compact JSON object."""
    return b64url(compact_json(component).encode("utf-8"))


def _signature(document: dict[str, Any]) -> dict[str, Any]:
    return document["signatures"][0] if "signatures" in document else document


def add_validation_data(
    document: dict[str, Any],
    *,
    certificates: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
) -> dict[str, Any]:
    """Append ``xVals`` and ``rVals`` entries (B-LT), as the Commission's issuer writes them."""
    entries = _signature(document).setdefault("header", {}).setdefault("etsiU", [])
    if certificates:
        entries.append(etsi_entry({"xVals": [{"x509Cert": {"val": b64(c)}} for c in certificates]}))
    if crls or ocsps:
        values: dict[str, Any] = {}
        if crls:
            values["crlVals"] = [{"val": b64(c)} for c in crls]
        if ocsps:
            values["ocspVals"] = [{"val": b64(o)} for o in ocsps]
        entries.append(etsi_entry({"rVals": values}))
    return document


def add_archive_timestamp(document: dict[str, Any], tsa: TestTSA) -> dict[str, Any]:
    """Append an ``arcTst`` (B-LTA) over payload.protected.signature. and the etsiU entries before it."""
    signature = _signature(document)
    entries = signature.setdefault("header", {}).setdefault("etsiU", [])
    data = ".".join((document["payload"], signature["protected"], signature["signature"], "".join(entries)))
    entries.append(etsi_entry({"arcTst": tsa.container(data.encode("utf-8"))}))
    return document


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode("utf-8")
