"""The EDC 3 e-seal: JAdES (ETSI TS 119 182-1) in the JWS JSON general serialization, as the Commission's issuer
makes them, with an unencoded payload (RFC 7797, ``b64`` false): the credential's JSON text is the payload, byte for
byte.

Protected header, in the Commission's order: ``alg``, ``cty``, ``kid`` (base64 DER IssuerSerial), ``x5t#S256``,
``x5c`` (the whole chain), ``typ``, ``b64``, ``sigT`` (the claimed signing time), ``crit``. Levels:

- B-B: the signature alone;
- B-T (with a time-stamping authority): ``sigTst`` in ``etsiU``, an RFC 3161 token over the base64url signature;
- B-LT (with ``validation``): ``xVals`` (the chain's certificates) and ``rVals`` (CRL / OCSP values collected once
  per sealer and refreshed when stale);
- B-LTA (``archive``): ``arcTst`` over payload, protected header, signature and the ``etsiU`` entries before it.

A ``JadesSealer`` is built once per organisation key and reused (the hot loop of issuing): the header's fixed part is
serialised once; per credential only ``sigT``, the signature and the time-stamps change. Thread-safe.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .keys import SealKey

if TYPE_CHECKING:
    from .timestamp import TimeStamper


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def issuer_serial(certificate: x509.Certificate) -> str:
    """The JAdES ``kid``: base64 of the DER IssuerSerial of the seal certificate (TS 119 182-1 5.1.4)."""
    parsed = asn1_x509.Certificate.load(_der(certificate))
    value = cms.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=parsed.issuer)],
            "serial": parsed.serial_number,
        }
    )
    return _b64(value.dump())


def algorithm_of(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}[key.curve.name]
    raise ValueError("The e-seal key must be RSA or ECDSA (P-256, P-384, P-521).")


@dataclass
class ValidationValues:
    """What B-LT carries: DER certificates (beyond ``x5c``), CRLs and OCSP responses."""

    certificates: Sequence[bytes] = ()
    crls: Sequence[bytes] = ()
    ocsps: Sequence[bytes] = ()
    collected_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


# A callable giving the validation values of the seal's chain, e.g. fetched from its CRL / OCSP addresses.
ValidationCollector = Callable[[SealKey], ValidationValues]


class JadesSealer:
    def __init__(
        self,
        seal_key: SealKey,
        *,
        timestamper: TimeStamper | None = None,
        validation: ValidationCollector | None = None,
        archive: bool = False,
        refresh: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.seal_key = seal_key
        self.timestamper = timestamper
        self.validation = validation
        self.archive = archive and timestamper is not None
        self.refresh = refresh
        self.alg = algorithm_of(seal_key.private_key)
        chain = [seal_key.certificate, *seal_key.chain]
        fixed = {
            "alg": self.alg,
            "cty": "octet-stream",
            "kid": issuer_serial(seal_key.certificate),
            "x5t#S256": b64url(hashlib.sha256(_der(seal_key.certificate)).digest()),
            "x5c": [_b64(_der(c)) for c in chain],
            "typ": "jose+json",
            "b64": False,
        }
        text = _compact(fixed)
        self._head = text[:-1] + ',"sigT":"'  # the fixed members, then the signing time of each seal
        self._tail = '","crit":["b64","sigT"]}'
        self._digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[self.alg[2:]]
        self._size = (
            (seal_key.private_key.curve.key_size + 7) // 8
            if isinstance(seal_key.private_key, ec.EllipticCurvePrivateKey)
            else 0
        )
        self._values: ValidationValues | None = None

    def __repr__(self) -> str:
        return f"JadesSealer({self.seal_key!r}, {self.level})"

    @property
    def level(self) -> str:
        if self.timestamper is None:
            return "B-B"
        if self.archive and self.validation is not None:
            return "B-LTA"
        return "B-LT" if self.validation is not None else "B-T"

    def _sign(self, data: bytes) -> bytes:
        key = self.seal_key.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), self._digest)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(self._digest)))
        return r.to_bytes(self._size, "big") + s.to_bytes(self._size, "big")

    def _validation_values(self) -> ValidationValues:
        now = dt.datetime.now(dt.UTC)
        values = self._values
        if values is None or now - values.collected_at > self.refresh:
            assert self.validation is not None
            values = self._values = self.validation(self.seal_key)
        return values

    def seal(self, payload: str, *, signing_time: dt.datetime | None = None) -> bytes:
        """Seal ``payload`` (the exact JSON text of a credential); returns the JWS JSON document (UTF-8 bytes)."""
        protected, signing_input = self._signing_input(payload, signing_time)
        return self._finish(payload, protected, b64url(self._sign(signing_input)))

    def prepare(self, payloads: list[str]) -> tuple[list[tuple[str, str]], list[bytes]]:
        """For a key that signs many items per request: each payload with its protected header, and the signing
        inputs to sign (in order); ``complete`` makes the seals."""
        prepared, inputs = [], []
        for payload in payloads:
            protected, signing_input = self._signing_input(payload, None)
            prepared.append((payload, protected))
            inputs.append(signing_input)
        return prepared, inputs

    def complete(self, prepared: list[tuple[str, str]], signatures: list[bytes]) -> list[bytes]:
        """The seals of prepared payloads from their raw signatures (PKCS#1 v1.5, or r || s for ECDSA)."""
        return [
            self._finish(payload, protected, b64url(signature))
            for (payload, protected), signature in zip(prepared, signatures, strict=True)
        ]

    def _signing_input(self, payload: str, signing_time: dt.datetime | None) -> tuple[str, bytes]:
        moment = (signing_time or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        protected = b64url((self._head + moment + self._tail).encode("utf-8"))
        return protected, protected.encode("ascii") + b"." + payload.encode("utf-8")

    def _finish(self, payload: str, protected: str, signature: str) -> bytes:
        entries: list[str] = []
        if self.timestamper is not None:
            token = self.timestamper.timestamp(signature.encode("ascii"))
            entries.append(_entry({"sigTst": {"tstTokens": [{"val": _b64(token)}]}}))
        if self.validation is not None:
            values = self._validation_values()
            certificates = [_b64(_der(c)) for c in self.seal_key.chain] + [
                _b64(c) for c in values.certificates
            ]
            if certificates:
                entries.append(_entry({"xVals": [{"x509Cert": {"val": c}} for c in certificates]}))
            revocation: dict[str, Any] = {}
            if values.crls:
                revocation["crlVals"] = [{"val": _b64(c)} for c in values.crls]
            if values.ocsps:
                revocation["ocspVals"] = [{"val": _b64(o)} for o in values.ocsps]
            if revocation:
                entries.append(_entry({"rVals": revocation}))
        if self.archive and self.timestamper is not None:
            data = ".".join((payload, protected, signature, "".join(entries)))
            token = self.timestamper.timestamp(data.encode("utf-8"))
            entries.append(_entry({"arcTst": {"tstTokens": [{"val": _b64(token)}]}}))
        entry: dict[str, Any] = {"protected": protected}
        if entries:
            entry["header"] = {"etsiU": entries}
        entry["signature"] = signature
        return _compact({"payload": payload, "signatures": [entry]}).encode("utf-8")


def _entry(component: dict[str, Any]) -> str:
    """An ``etsiU`` entry as the Commission stores them: base64url of the compact JSON object."""
    return b64url(_compact(component).encode("utf-8"))
