"""RFC 3161 time-stamps: a client for a time-stamping authority, and verification of a token (imprint and TSA
signature), with asn1crypto for the ASN.1 and cryptography for the signature."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import urllib.request
from dataclasses import dataclass

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .errors import SealingError

_HASHES: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class TimeStampReply(core.Sequence):
    """RFC 3161 TimeStampResp, whose token is OPTIONAL (asn1crypto's ``tsp.TimeStampResp`` requires it, so a
    rejection would not parse)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimeStamper:
    def __init__(self, url: str, *, timeout: float = 5, digest: str = "sha256") -> None:
        self.url = url
        self.timeout = timeout
        self.digest = digest

    def __repr__(self) -> str:
        return f"TimeStamper({self.url!r})"

    def timestamp(self, data: bytes) -> bytes:
        nonce = secrets.randbits(63)
        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": self.digest},
                    "hashed_message": hashlib.new(self.digest, data).digest(),
                },
                "nonce": nonce,
                "cert_req": True,
            }
        )
        http = urllib.request.Request(  # noqa: S310 - the TSA URL is the operator's configuration
            self.url,
            data=request.dump(),
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(1024 * 1024)
        except OSError as error:
            raise SealingError(
                "tsa_unreachable",
                f"The time-stamping authority could not be reached ({type(error).__name__}).",
                f"L'autorité d'horodatage n'a pas pu être jointe ({type(error).__name__}).",
            ) from None
        try:
            reply = TimeStampReply.load(body)
            granted = reply["status"]["status"].native in ("granted", "granted_with_mods")
        except ValueError:
            raise SealingError(
                "tsa_refused",
                "The time-stamping authority sent an answer that is not a time-stamp reply.",
                "L'autorité d'horodatage a envoyé une réponse qui n'est pas une réponse d'horodatage.",
            ) from None
        if not granted or not reply["time_stamp_token"]:
            raise SealingError(
                "tsa_refused",
                "The time-stamping authority refused the request.",
                "L'autorité d'horodatage a refusé la demande.",
            )
        token = reply["time_stamp_token"]
        info = token["content"]["encap_content_info"]["content"].parsed
        if info["nonce"].native != nonce:
            raise SealingError(
                "tsa_nonce",
                "The time-stamp answer does not match the request.",
                "La réponse d'horodatage ne correspond pas à la demande.",
            )
        return bytes(token.dump())


@dataclass(frozen=True)
class TimestampInfo:
    gen_time: dt.datetime
    tsa_cert_der: bytes | None
    certificates: tuple[bytes, ...]
    hash_ok: bool
    signature_ok: bool

    @property
    def ok(self) -> bool:
        return self.hash_ok and self.signature_ok


def _verify_signature(public_der: bytes, signature: bytes, data: bytes, algo: str, digest: str) -> bool:
    key = serialization.load_der_public_key(public_der)
    hash_algorithm = _HASHES.get(digest, hashes.SHA256)()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if algo == "rsassa_pss":
                key.verify(
                    signature,
                    data,
                    padding.PSS(padding.MGF1(hash_algorithm), padding.PSS.AUTO),
                    hash_algorithm,
                )
            else:
                key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _names_its_signer(attrs: cms.CMSAttributes, cert_der: bytes) -> bool | None:
    """Whether the token's signed ESS signing-certificate attribute (RFC 5816 v2, or RFC 2634 v1) names the
    certificate whose key signed it: the certificates beside a token are not signed, so without this one could be
    swapped for another with the same issuer and serial number. None when the token carries no such attribute."""
    for attribute in attrs:
        kind = attribute["type"].native
        if kind not in ("signing_certificate_v2", "signing_certificate"):
            continue
        for value in attribute["values"]:
            ids = value["certs"]
            if not len(ids):
                return False
            first = ids[0]
            name = first["hash_algorithm"]["algorithm"].native if kind == "signing_certificate_v2" else "sha1"
            return hashlib.new(name, cert_der).digest() == first["cert_hash"].native
    return None


def verify_timestamp_token(token_der: bytes, data: bytes) -> TimestampInfo:
    """Check a TimeStampToken over ``data``: the imprint, and the TSA's signature over the signed attributes.
    A token that cannot be read raises ``SealingError`` (never anything else)."""
    try:
        return _verify_timestamp_token(token_der, data)
    except SealingError:
        raise
    except Exception as error:  # whatever a malformed token provokes in the ASN.1 or the crypto
        raise SealingError(
            "bad_timestamp",
            f"The time-stamp could not be read ({type(error).__name__}).",
            f"L'horodatage n'a pas pu être lu ({type(error).__name__}).",
        ) from None


def _verify_timestamp_token(token_der: bytes, data: bytes) -> TimestampInfo:
    content = cms.ContentInfo.load(token_der)
    signed = content["content"]
    info = signed["encap_content_info"]["content"].parsed
    imprint = info["message_imprint"]
    digest_name = imprint["hash_algorithm"]["algorithm"].native
    hash_ok = hashlib.new(digest_name, data).digest() == imprint["hashed_message"].native
    certificates = [c.chosen for c in signed["certificates"] if isinstance(c.chosen, asn1_x509.Certificate)]
    signer = signed["signer_infos"][0]
    sid = signer["sid"]
    tsa_cert = None
    for cert in certificates:
        if sid.name == "issuer_and_serial_number":
            issuer = sid.chosen["issuer"]
            if (  # the serial and the DER first: comparing names (LDAP string preparation) is slow
                cert.serial_number == sid.chosen["serial_number"].native
                and (cert.issuer.dump() == issuer.dump() or cert.issuer == issuer)
            ):
                tsa_cert = cert
        elif cert.key_identifier == sid.chosen.native:
            tsa_cert = cert
    signature_ok = False
    if tsa_cert is not None:
        signer_digest = signer["digest_algorithm"]["algorithm"].native
        encap = bytes(signed["encap_content_info"]["content"].contents)
        attrs = signer["signed_attrs"]
        message_digest = next(
            (a["values"][0].native for a in attrs if a["type"].native == "message_digest"), None
        )
        algo: algos.SignedDigestAlgorithm = signer["signature_algorithm"]
        signature_ok = (
            message_digest == hashlib.new(signer_digest, encap).digest()
            and _names_its_signer(attrs, tsa_cert.dump()) is not False
            and _verify_signature(
                tsa_cert.public_key.dump(),
                signer["signature"].native,
                attrs.untag().dump(),
                algo.signature_algo,
                signer_digest,
            )
        )
    return TimestampInfo(
        gen_time=info["gen_time"].native.astimezone(dt.UTC),
        tsa_cert_der=tsa_cert.dump() if tsa_cert is not None else None,
        certificates=tuple(cert.dump() for cert in certificates),
        hash_ok=hash_ok,
        signature_ok=signature_ok,
    )
