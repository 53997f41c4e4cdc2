"""JAdES seals (ETSI TS 119 182-1) on EDC 3 credentials: the JWS JSON serialization the Commission's issuer makes.

``verify_jades`` checks the cryptography of one JAdES seal and hands the engine the format-neutral ``SealEvidence``
(the certificate path, the qualified level, sealer-is-issuer and revocation are judged there). In order:

- the envelope: JSON within size, depth and container limits, no repeated member names; the general serialization
  with exactly one signature, or the flattened one; the payload attached (no detached payload, no ``sigD``);
- the protected header: ``alg`` on the allow-list (RS/PS/ES 256/384/512; never ``none`` or HMAC), every ``crit``
  member understood (``b64``, ``sigT``, ``adoTst``; anything else is refused), no key pointed to elsewhere
  (``jwk``, ``jku``, ``x5u``), nothing in the unprotected header that belongs in the protected one;
- the seal certificate: the first ``x5c`` certificate, which ``x5t#S256`` / ``x5t`` / ``kid`` (a DER IssuerSerial)
  must designate when present (a swapped certificate is refused);
- the signature over ASCII(``protected`` exactly as given) + "." + the payload exactly as given: with ``b64`` false
  (RFC 7797, what the Commission does) the UTF-8 bytes of the payload string, never re-serialised; with ``b64``
  true (or absent) the base64url text, as in plain JWS (safe: the signature covers the text, whose strict decoding
  is the payload);
- the time-stamps, each with ``timestamp.verify_timestamp_token``: ``adoTst`` over the payload as signed, every
  ``sigTst`` over the base64url signature value (the earliest is the proven signing time), every ``arcTst`` over
  payload "." protected "." signature "." and the etsiU entries before it, concatenated as stored (TS 119 182-1
  5.3.6.3.1.1; measured on both Commission samples). An imprint or a TSA signature that does not match is refused,
  as is an ``adoTst`` later than the ``sigTst``;
- the validation data in ``etsiU``: ``xVals`` / ``axVals`` certificates, ``rVals`` / ``arVals`` CRLs (``crlVals``)
  and OCSP responses (``ocspVals``), DER or PEM; an unreadable value or entry is skipped with a ``Note``.

The signature is checked with ``cryptography`` over a signing input built here, byte for byte, rather than with
jwcrypto: jwcrypto would have to be told that ``sigT``, ``adoTst`` and ``etsiU`` are understood (a process-wide or
per-object header registry) without checking them, and it re-parses the whole document; ``crit``, the certificate
binding and every JAdES parameter are judged here anyway. The tests check both Commission samples and our own seals
with plain jwcrypto as well, and the benchmark compares the two.

Nothing escapes but ``SealRefused``: any other error becomes one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn

from asn1crypto import cms, pem
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from europass.words import Text, said, said_n

from .certificates import summarize
from .errors import SealingError
from .evidence import Note, SealEvidence, SealRefused
from .timestamp import TimestampInfo, verify_timestamp_token

log = logging.getLogger(__name__)

MAX_BYTES = 8 * 1024 * 1024  # the whole document
MAX_DEPTH = 64  # nesting of the envelope, the protected header, each etsiU entry
MAX_CONTAINERS = 10_000  # JSON objects and arrays outside strings (the payload is one string)
COUNTED_BYTES = 1024 * 1024  # under this, even all-brackets JSON makes few enough objects: not counted
MAX_CERTIFICATES = 64  # in x5c, and in all xVals together
MAX_VALUES = 256  # CRLs and OCSP responses together
MAX_TOKENS = 16  # time-stamp tokens, all kinds together
MAX_ETSIU = 64  # etsiU entries

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ES256": ec.SECP256R1,
    "ES384": ec.SECP384R1,
    "ES512": ec.SECP521R1,
}
MIN_RSA_BITS = 2048

UNDERSTOOD_CRITICAL = frozenset({"b64", "sigT", "adoTst"})
# Registered by RFC 7515 / 7518: never allowed in crit (RFC 7515 4.1.11).
_JWS_NAMES = frozenset({"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"})
# Only meaningful when signed: refused in the unprotected header.
_PROTECTED_ONLY = _JWS_NAMES | {
    "b64", "sigT", "adoTst", "sigD", "sigX5ts", "x5t#o", "srCms", "sigPl", "srAts", "sigPId", "cSig",
}  # fmt: skip
_KEY_ELSEWHERE = ("jwk", "jku", "x5u")
_REFERENCES = frozenset({"xRefs", "rRefs", "axRefs", "arRefs"})  # references only: the values are what counts

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64STD = re.compile(r"[A-Za-z0-9+/]*")
_URL_TO_STD = bytes.maketrans(b"-_", b"+/")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


@dataclass(frozen=True)
class JadesSeal:
    evidence: SealEvidence  # format "jades"
    payload: bytes  # the payload exactly as sealed (UTF-8 bytes of the JSON text), for the reader
    header: dict[str, Any]  # the protected header, decoded


def is_jades(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` looks like a JWS in the JSON serialization (general or flattened). A detached or
    malformed one still counts: ``verify_jades`` then says what is wrong with it."""
    if not isinstance(document, Mapping):
        return False
    if isinstance(document.get("signatures"), list):
        return True
    return isinstance(document.get("signature"), str) and "protected" in document


def verify_jades(document: bytes | str | Mapping[str, Any]) -> JadesSeal:
    """Check the JAdES seal of ``document`` (the JSON text, or its already parsed object). Raises ``SealRefused``
    when the seal is missing, broken or not acceptable, and never anything else."""
    try:
        return _verify(document)
    except SealRefused:
        raise
    except Exception as error:  # the promise: only SealRefused escapes
        log.exception("JAdES seal: unexpected content")
        raise SealRefused(
            said("The seal could not be read (unexpected content)."),
            reason="unexpected",
            error=type(error).__name__,
        ) from None


# --- reading ----------------------------------------------------------------------------------------------------


def _refuse(reason: str, text: Text, **details: Any) -> NoReturn:
    raise SealRefused(text, reason=reason, **details)


class _Repeated(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Repeated
    return result


def _constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _depth_within(value: Any, limit: int) -> bool:
    """Whether the objects and arrays in ``value`` nest at most ``limit`` levels (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, Mapping | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        children = item.values() if isinstance(item, Mapping) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def _json(text: str, what: Text, data: bytes | None = None) -> Any:
    """Strict JSON within the limits: no repeated names, no NaN, bounded containers and nesting. Deep nesting
    stops the C parser at the interpreter's recursion limit, then the depth is measured; a text over
    ``COUNTED_BYTES`` has its objects and arrays counted first, so that no input builds millions of them. ``data``:
    the UTF-8 bytes of ``text`` when at hand (faster to count)."""
    if len(text) > COUNTED_BYTES and _containers(data if data is not None else text) > MAX_CONTAINERS:
        # Brackets inside strings (the whole payload is one) were counted too: look closer.
        outside = _STRING.sub("", text)
        if _containers(outside) > MAX_CONTAINERS:
            _refuse(
                "json_too_complex",
                said(
                    "%(what)s has too many JSON objects and arrays (more than %(limit)s).",
                    what=what,
                    limit=MAX_CONTAINERS,
                ),
            )
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except _Repeated:
        _refuse(
            "json_repeated_name",
            said("%(what)s repeats a member name: refused (it could be read in two ways).", what=what),
        )
    except RecursionError:
        value = None
        _too_deep(what)
    except ValueError as error:
        _refuse("json_invalid", said("%(what)s is not valid JSON (%(error)s).", what=what, error=str(error)))
    if not _depth_within(value, MAX_DEPTH):
        _too_deep(what)
    return value


def _containers(text: str | bytes) -> int:
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")


def _too_deep(what: Text) -> NoReturn:
    _refuse(
        "json_too_deep",
        said("%(what)s is nested more than %(limit)s levels deep.", what=what, limit=MAX_DEPTH),
    )


_DOCUMENT = said("The document")
_PROTECTED = said("The protected header of the seal")
_ENTRY = said("The etsiU entry")


def _load(document: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(document, Mapping):
        if not _depth_within(document, MAX_DEPTH):
            _too_deep(_DOCUMENT)
        return document
    if isinstance(document, bytes | bytearray | memoryview):
        data = bytes(document)
        if len(data) > MAX_BYTES:
            _too_big(len(data))
        data = data.removeprefix(b"\xef\xbb\xbf")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            _refuse("not_utf8", said("The document is not UTF-8 text."))
    elif isinstance(document, str):
        if len(document) > MAX_BYTES:
            _too_big(len(document))
        text = document.removeprefix("\ufeff")
    else:
        _not_jws()
    parsed = _json(text, _DOCUMENT, data if isinstance(document, bytes | bytearray | memoryview) else None)
    if not isinstance(parsed, dict):
        _not_jws()
    return parsed


def _too_big(size: int) -> NoReturn:
    _refuse(
        "too_big",
        said("The document is too large (%(size)s bytes; at most %(limit)s).", size=size, limit=MAX_BYTES),
        size=size,
    )


def _not_jws() -> NoReturn:
    _refuse("not_jws", said("The document is not a JAdES seal (a JWS in the JSON serialization)."))


def _b64url(text: object) -> bytes:
    """Strict base64url without padding (RFC 7515 2); ``ValueError`` otherwise. Checked in C: the standard
    alphabet's own characters are refused first, then the text is mapped to it and decoded strictly."""
    if not isinstance(text, str) or len(text) % 4 == 1 or not text.isascii():
        raise ValueError("not base64url")
    raw = text.encode("ascii")
    if b"+" in raw or b"/" in raw or b"=" in raw:
        raise ValueError("not base64url")
    try:
        return binascii.a2b_base64(raw.translate(_URL_TO_STD) + b"=" * (-len(raw) % 4), strict_mode=True)
    except binascii.Error:
        raise ValueError("not base64url") from None


def _b64(text: object) -> bytes:
    """Base64 (x5c and etsiU values: RFC 7515 4.1.6 says standard base64; base64url and missing padding tolerated)."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        pass
    body = text.rstrip("=")
    if len(text) - len(body) > 2 or len(body) % 4 == 1:
        raise ValueError("not base64")
    padded = body + "=" * (-len(body) % 4)
    if _B64STD.fullmatch(body):
        return base64.b64decode(padded)
    if _B64URL.fullmatch(body):
        return base64.urlsafe_b64decode(padded)
    raise ValueError("not base64")


def _der(data: bytes) -> bytes:
    """DER as given, or the first block of a PEM text (some issuers base64 a PEM file)."""
    if pem.detect(data):
        _type, _headers, der = pem.unarmor(data)
        return bytes(der)
    return data


# --- the parts of a seal ----------------------------------------------------------------------------------------


@dataclass
class _Parts:
    payload: str  # as given in the document
    protected: str  # base64url, as given
    signature: str  # base64url, as given
    unprotected: Mapping[str, Any]


def _parts(document: Mapping[str, Any]) -> _Parts:
    if not is_jades(document):
        _not_jws()
    if "signatures" in document:
        if any(name in document for name in ("protected", "header", "signature")):
            _refuse(
                "mixed_serialization",
                said("The seal mixes the general and the flattened JWS serializations: refused."),
            )
        signatures = document["signatures"]
        if len(signatures) != 1:
            _refuse(
                "signature_count",
                said_n(
                    "The document carries %(count)s signature; a Europass seal is exactly one: refused.",
                    "The document carries %(count)s signatures; a Europass seal is exactly one: refused.",
                    len(signatures),
                ),
                signatures=len(signatures),
            )
        signature = signatures[0]
    else:
        signature = document
    payload = document.get("payload")
    if payload is None:
        _refuse("detached", said("The seal does not carry what it seals (detached payload): refused."))
    protected = signature.get("protected") if isinstance(signature, Mapping) else None
    value = signature.get("signature") if isinstance(signature, Mapping) else None
    unprotected = signature.get("header", {}) if isinstance(signature, Mapping) else None
    if (
        not isinstance(payload, str)
        or not isinstance(protected, str)
        or not protected
        or not isinstance(value, str)
        or not isinstance(unprotected, Mapping)
    ):
        _refuse(
            "malformed", said("The seal is not a well-formed JWS (payload, protected header, signature).")
        )
    return _Parts(payload=payload, protected=protected, signature=value, unprotected=unprotected)


def _protected_header(parts: _Parts) -> dict[str, Any]:
    try:
        text = _b64url(parts.protected).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        _refuse(
            "protected_unreadable", said("The protected header of the seal is not base64url-encoded UTF-8.")
        )
    header = _json(text, _PROTECTED)
    if not isinstance(header, dict):
        _refuse("protected_unreadable", said("The protected header of the seal is not a JSON object."))
    return header


def _check_header(header: dict[str, Any], unprotected: Mapping[str, Any], notes: list[Note]) -> bool:
    """The rules of the protected and unprotected headers; returns ``b64``."""
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        _refuse(
            "algorithm",
            said(
                "The seal's algorithm (%(algorithm)s) is not accepted (RSA, RSA-PSS or ECDSA with SHA-2 only).",
                algorithm=str(alg)[:40],
            ),
            algorithm=str(alg)[:40],
        )
    critical: list[str] = []
    if "crit" in header:
        crit = header["crit"]
        if (
            not isinstance(crit, list)
            or not crit
            or not all(isinstance(name, str) for name in crit)
            or len(set(crit)) != len(crit)
        ):
            _refuse("crit_malformed", said("The seal's list of critical parameters (crit) is malformed."))
        critical = crit
    for name in critical:
        if name in _JWS_NAMES or name not in header:
            _refuse(
                "crit_malformed",
                said(
                    "The seal declares “%(member)s” critical, which it may not (absent or a standard parameter).",
                    member=name[:40],
                ),
                member=name[:40],
            )
        if name not in UNDERSTOOD_CRITICAL:
            _refuse(
                "crit_unknown",
                said(
                    "The seal requires the parameter “%(member)s” to be understood, and it is not here: refused.",
                    member=name[:40],
                ),
                member=name[:40],
            )
    b64 = header.get("b64", True)
    if not isinstance(b64, bool) or ("b64" in header and "b64" not in critical):
        _refuse(
            "b64_malformed",
            said("The seal's b64 parameter is malformed (a boolean, listed in crit: RFC 7797)."),
        )
    if "sigD" in header:
        _refuse(
            "detached", said("The seal signs detached data (sigD), not the credential it carries: refused.")
        )
    for name in _KEY_ELSEWHERE:
        if name in header:
            _refuse(
                "key_elsewhere",
                said(
                    "The seal points to its key elsewhere (%(member)s): only the certificate it carries (x5c) is "
                    "accepted.",
                    member=name,
                ),
                member=name,
            )
    for name in unprotected:
        if name in header or name in _PROTECTED_ONLY:
            _refuse(
                "unprotected_parameter",
                said(
                    "The seal carries “%(member)s” outside its protected header, where nothing is signed: refused.",
                    member=name[:40],
                ),
                member=name[:40],
            )
        if name != "etsiU":
            notes.append(
                Note(said("The unprotected header parameter “%(member)s” was not read.", member=name[:40]))
            )
    return b64


@lru_cache(maxsize=256)
def _public_key(cert_der: bytes) -> Any:
    """The certificate's key, from its SubjectPublicKeyInfo read with asn1crypto (``cryptography`` refuses some
    real certificates)."""
    spki = asn1_x509.Certificate.load(cert_der)["tbs_certificate"]["subject_public_key_info"]
    return serialization.load_der_public_key(spki.dump())


def _certificate(header: dict[str, Any], notes: list[Note]) -> tuple[bytes, list[bytes], Any]:
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain:
        _refuse("no_certificate", said("The seal does not carry its certificate (x5c)."))
    if len(chain) > MAX_CERTIFICATES:
        _refuse(
            "too_many",
            said("The seal carries too many certificates (more than %(limit)s).", limit=MAX_CERTIFICATES),
        )
    try:
        certificates = [_b64(item) for item in chain]
        key = _public_key(certificates[0])
    except Exception:
        _refuse("certificate_unreadable", said("The seal's certificate (x5c) could not be read."))
    certificate = certificates[0]
    for name, digest in (("x5t#S256", "sha256"), ("x5t", "sha1")):
        if name not in header:
            continue
        try:
            named = _b64url(header[name])
        except ValueError:
            named = b""
        if hashlib.new(digest, certificate).digest() != named:
            _swapped(name)
    if "kid" in header:
        match = _kid_matches(header["kid"], certificate)
        if match is False:
            _swapped("kid")
        if match is None:
            notes.append(
                Note(
                    said(
                        "The seal's key identifier (kid) is not an issuer and serial number; it was not read."
                    )
                )
            )
    return certificate, certificates[1:], key


def _swapped(name: str) -> NoReturn:
    _refuse(
        "certificate_swapped",
        said(
            "The certificate in the seal is not the one the seal names (%(member)s): certificate swapped.",
            member=name,
        ),
        member=name,
    )


@lru_cache(maxsize=256)
def _kid_matches(kid: object, cert_der: bytes) -> bool | None:
    """Whether ``kid`` (base64 DER IssuerSerial, TS 119 182-1 5.1.4) names the certificate; None: not one."""
    if not isinstance(kid, str):
        return None
    try:
        issuer_serial = cms.IssuerSerial.load(_b64(kid))
        issuer_serial.native  # noqa: B018 - parse it all now
        serial = issuer_serial["serial"].native
        names = [name.chosen for name in issuer_serial["issuer"] if name.name == "directory_name"]
        if not names:
            return None
        cert = asn1_x509.Certificate.load(cert_der)
        if serial != cert.serial_number:
            return False
        return any(name.dump() == cert.issuer.dump() or name == cert.issuer for name in names)
    except Exception:
        return None


def _verify_signature(alg: str, key: Any, data: bytes, signature: bytes) -> None:
    digest = _HASHES[alg[2:]]()
    try:
        if alg[:2] in ("RS", "PS"):
            if not isinstance(key, rsa.RSAPublicKey):
                _wrong_key(alg)
            if key.key_size < MIN_RSA_BITS:
                _refuse(
                    "weak_key",
                    said(
                        "The seal's RSA key is too weak (%(bits)s bits; %(minimum)s at least).",
                        bits=key.key_size,
                        minimum=MIN_RSA_BITS,
                    ),
                )
            scheme: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if alg[:2] == "RS"
                else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            )
            key.verify(signature, data, scheme, digest)
        else:
            if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, _CURVES[alg]):
                _wrong_key(alg)
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                raise InvalidSignature
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))
    except InvalidSignature:
        _refuse(
            "signature_invalid",
            said(
                "The seal is broken: the credential was changed after it was sealed, or the seal is not genuine."
            ),
        )


def _wrong_key(alg: str) -> NoReturn:
    _refuse(
        "wrong_key",
        said("The seal's certificate key does not fit its algorithm (%(algorithm)s).", algorithm=alg),
    )


def _time(value: object) -> dt.datetime:
    try:
        if not isinstance(value, str):
            raise ValueError
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError
        return parsed.astimezone(dt.UTC)
    except ValueError:
        _refuse("sigt_malformed", said("The seal's claimed signing time (sigT) is not a date and time."))


# --- time-stamps ------------------------------------------------------------------------------------------------


class _Budget:
    def __init__(self) -> None:
        self.tokens = self.certificates = self.values = 0

    def spend(self, kind: str, count: int = 1) -> None:
        setattr(self, kind, getattr(self, kind) + count)
        limit = {"tokens": MAX_TOKENS, "certificates": MAX_CERTIFICATES, "values": MAX_VALUES}[kind]
        if getattr(self, kind) > limit:
            _refuse(
                "too_many",
                said(
                    "The seal carries too many time-stamps, certificates or revocation values (more than %(limit)s).",
                    limit=limit,
                ),
            )


def _stamps(name: str, container: object, data: bytes, budget: _Budget) -> list[TimestampInfo]:
    """Every token of a time-stamp container (TS 119 182-1 5.3.4: ``{"tstTokens": [{"val": ...}]}``), checked
    over ``data``."""
    tokens = container.get("tstTokens") if isinstance(container, dict) else None
    if not isinstance(tokens, list) or not tokens:
        _stamp_unreadable(name)
    infos = []
    for token in tokens:
        budget.spend("tokens")
        if not isinstance(token, dict) or token.get("type", "der") != "der":
            _stamp_unreadable(name)
        try:
            info = verify_timestamp_token(_b64(token.get("val")), data)
        except Exception:
            _stamp_unreadable(name)
        if not info.hash_ok:
            _refuse(
                "timestamp_mismatch",
                said("The seal's time-stamp (%(timestamp)s) does not match the seal.", timestamp=name),
                timestamp=name,
            )
        if not info.signature_ok:
            _refuse(
                "timestamp_signature",
                said(
                    "The seal's time-stamp (%(timestamp)s) is not signed by the authority it carries, or its "
                    "signature is broken.",
                    timestamp=name,
                ),
                timestamp=name,
            )
        infos.append(info)
    return infos


def _stamp_unreadable(name: str) -> NoReturn:
    _refuse(
        "timestamp_unreadable",
        said("The seal's time-stamp (%(timestamp)s) could not be read.", timestamp=name),
        timestamp=name,
    )


# --- etsiU: unsigned properties ---------------------------------------------------------------------------------


def _component(entry: object) -> tuple[str, Any] | None:
    """An etsiU entry as (name, value): a base64url JSON object with one member, or that object in clear."""
    value: Any = entry
    if isinstance(entry, str):
        try:
            value = _json(_b64url(entry).decode("utf-8"), _ENTRY)
        except (SealRefused, ValueError, UnicodeDecodeError):
            return None
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, inner),) = value.items()
    return name, inner


def _pki_value(item: object) -> bytes | None:
    """The DER of a pkiOb (``{"val": base64}``), or None."""
    try:
        return _der(_b64(item.get("val"))) if isinstance(item, dict) else None
    except ValueError:
        return None


def _certificates(value: object, notes: list[Note], budget: _Budget) -> list[bytes]:
    """``xVals`` / ``axVals``: ``[{"x509Cert": {"val": ...}} | {"otherCert": ...}]``."""
    if not isinstance(value, list):
        notes.append(Note(said("Certificate values in the seal were not readable.")))
        return []
    found = []
    for item in value:
        budget.spend("certificates")
        der = _pki_value(item.get("x509Cert")) if isinstance(item, dict) else None
        if der is None or not _loads(asn1_x509.Certificate, der):
            notes.append(Note(said("A certificate carried by the seal could not be read; it was skipped.")))
            continue
        found.append(der)
    return found


def _loads(spec: Any, der: bytes) -> bool:
    try:
        spec.load(der)
        return True
    except Exception:
        return False


def _ocsp_response(der: bytes) -> bytes | None:
    """An OCSPResponse as DER; a bare BasicOCSPResponse is wrapped into one."""
    try:
        asn1_ocsp.OCSPResponse.load(der)["response_status"].native  # noqa: B018 - parse now
        return der
    except Exception:  # noqa: S110 - maybe a BasicOCSPResponse
        pass
    try:
        basic = asn1_ocsp.BasicOCSPResponse.load(der)
        basic["tbs_response_data"].native  # noqa: B018
        return bytes(
            asn1_ocsp.OCSPResponse(
                {
                    "response_status": "successful",
                    "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
                }
            ).dump()
        )
    except Exception:
        return None


def _revocation_values(value: object, notes: list[Note], budget: _Budget) -> tuple[list[bytes], list[bytes]]:
    """``rVals`` / ``arVals``: ``{"crlVals": [pkiOb], "ocspVals": [pkiOb], "otherVals": ...}``."""
    crls: list[bytes] = []
    ocsps: list[bytes] = []
    unreadable = Note(
        said(
            "A revocation value (CRL or OCSP response) carried by the seal could not be read; it was skipped."
        )
    )
    if not isinstance(value, dict):
        notes.append(unreadable)
        return crls, ocsps
    for name, items in value.items():
        if name not in ("crlVals", "ocspVals") or not isinstance(items, list):
            notes.append(unreadable)
            continue
        for item in items:
            budget.spend("values")
            der = _pki_value(item)
            if name == "crlVals":
                if der is not None and _loads(asn1_crl.CertificateList, der):
                    crls.append(der)
                    continue
            else:
                response = _ocsp_response(der) if der is not None else None
                if response is not None:
                    ocsps.append(response)
                    continue
            notes.append(unreadable)
    return crls, ocsps


# --- the whole seal ---------------------------------------------------------------------------------------------


def _verify(document: bytes | str | Mapping[str, Any]) -> JadesSeal:
    parts = _parts(_load(document))
    header = _protected_header(parts)
    notes: list[Note] = []
    b64 = _check_header(header, parts.unprotected, notes)
    certificate, chain, key = _certificate(header, notes)
    alg = str(header["alg"])
    if b64:
        try:
            payload = _b64url(parts.payload)
            signed_payload = parts.payload.encode("ascii")
        except ValueError:
            _refuse(
                "payload_unreadable",
                said("The sealed content is not base64url-encoded, as the seal says (b64)."),
            )
    else:
        try:
            payload = signed_payload = parts.payload.encode("utf-8")
        except UnicodeEncodeError:
            _refuse("payload_unreadable", said("The sealed content is not valid Unicode text."))
    protected = parts.protected.encode("ascii")  # base64url: checked when decoded
    try:
        signature = _b64url(parts.signature)
    except ValueError:
        _refuse("signature_unreadable", said("The seal's signature value is not base64url-encoded."))
    _verify_signature(alg, key, protected + b"." + signed_payload, signature)

    signing_time = _time(header["sigT"]) if "sigT" in header else None
    budget = _Budget()
    content_times = (
        [info.gen_time for info in _stamps("adoTst", header["adoTst"], signed_payload, budget)]
        if "adoTst" in header
        else []
    )

    entries = parts.unprotected.get("etsiU", [])
    if not isinstance(entries, list) or len(entries) > MAX_ETSIU:
        _refuse(
            "etsiu_malformed",
            said(
                "The seal's unsigned properties (etsiU) are not a list of at most %(limit)s entries.",
                limit=MAX_ETSIU,
            ),
        )
    if len({isinstance(entry, str) for entry in entries}) > 1:
        _refuse(
            "etsiu_malformed",
            said("The seal's unsigned properties (etsiU) mix base64url and clear JSON entries: refused."),
        )
    signature_ascii = parts.signature.encode("ascii")
    stamps: list[TimestampInfo] = []
    certificates: list[bytes] = []
    crls: list[bytes] = []
    ocsps: list[bytes] = []
    preceding: list[str] = []
    for entry in entries:
        component = _component(entry)
        name = component[0] if component else None
        if component is None:
            notes.append(
                Note(
                    said("An unsigned property of the seal (etsiU entry) could not be read; it was skipped.")
                )
            )
        elif name == "sigTst":
            stamps += _stamps("sigTst", component[1], signature_ascii, budget)
        elif name == "arcTst":
            _archive_stamp(component[1], entry, preceding, signed_payload, protected, signature_ascii, budget)
        elif name in ("xVals", "axVals"):
            certificates += _certificates(component[1], notes, budget)
        elif name in ("rVals", "arVals"):
            found_crls, found_ocsps = _revocation_values(component[1], notes, budget)
            crls += found_crls
            ocsps += found_ocsps
        elif name not in _REFERENCES:
            notes.append(
                Note(
                    said(
                        "The unsigned property “%(member)s” of the seal was not read.", member=str(name)[:40]
                    )
                )
            )
        if isinstance(entry, str):
            preceding.append(entry)

    proven = min(stamps, key=lambda info: info.gen_time) if stamps else None
    if proven is not None and content_times and max(content_times) > proven.gen_time:
        _refuse(
            "timestamp_order",
            said(
                "The seal's content time-stamp (adoTst) is later than its signature time-stamp (sigTst): refused."
            ),
        )
    authority = None
    if proven is not None and proven.tsa_cert_der:
        try:
            authority = summarize(proven.tsa_cert_der).subject
        except SealingError:
            authority = None
    seen = {certificate}
    extra = []
    for der in [*chain, *certificates]:
        if der not in seen:
            seen.add(der)
            extra.append(der)
    # The proving authority's own certificate first (for the engine to judge it), then the rest the tokens carry.
    stamp_certificates: list[bytes] = (
        [proven.tsa_cert_der] if proven is not None and proven.tsa_cert_der else []
    )
    for info in stamps:
        stamp_certificates += [der for der in info.certificates if der not in stamp_certificates]
    evidence = SealEvidence(
        format="jades",
        certificate_der=certificate,
        certificates=extra,
        ocsps=ocsps,
        crls=crls,
        signing_time=signing_time,
        proven_time=proven.gen_time if proven else None,
        timestamp_authority=authority,
        timestamp_certificates=stamp_certificates,
        algorithm=alg,
        notes=notes,
    )
    return JadesSeal(evidence=evidence, payload=payload, header=header)


def _archive_stamp(
    container: object,
    entry: object,
    preceding: list[str],
    payload: bytes,
    protected: bytes,
    signature: bytes,
    budget: _Budget,
) -> None:
    """arcTst (TS 119 182-1 5.3.6.3.1.1): over payload "." protected "." signature "." and every etsiU entry before
    it, concatenated as stored. Clear-JSON entries would need a canonicalization nobody implements: refused."""
    if not isinstance(entry, str):
        _refuse(
            "timestamp_unreadable",
            said(
                "The seal's archive time-stamp (arcTst) covers clear JSON entries, which cannot be checked: refused."
            ),
            timestamp="arcTst",
        )
    if isinstance(container, dict) and container.get("timeStamped", "all") != "all":
        _refuse(
            "timestamp_unreadable",
            said(
                "The seal's archive time-stamp (arcTst) covers only part of the seal, which is not accepted."
            ),
            timestamp="arcTst",
        )
    data = b".".join((payload, protected, signature, "".join(preceding).encode("utf-8")))
    _stamps("arcTst", container, data, budget)
