"""RFC 3161 time-stamps over pyHanko: its client (request, nonce, status and nonce checks of the reply) and its CMS
integrity checks of a token (the signer certificate named by the token's ESS signing-certificate attribute, the
message digest, the TSA's signature over the signed attributes). Trust in the TSA certificate is judged by the
verification engine, at the time the token proves, with the verifier's anchors."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import urllib.request
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from asn1crypto import cms, core, tsp
from pyhanko.sign.general import SignedDataCerts, extract_signer_info
from pyhanko.sign.timestamps.api import TimeStamper as _PyhankoTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import extract_certs_for_validation, validate_sig_integrity

from europass.words import said

from .errors import SealingError

_REPLY_LIMIT = 1024 * 1024
T = TypeVar("T")


class TimeStampReply(core.Sequence):
    """RFC 3161 TimeStampResp, whose token is OPTIONAL (asn1crypto's ``tsp.TimeStampResp`` requires it, so a
    rejection would not parse)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class _Client(_PyhankoTimeStamper):
    """pyHanko's time-stamp client over one blocking HTTP POST (urllib: no extra HTTP stack, a bounded read)."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(include_nonce=True)
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        http = urllib.request.Request(  # noqa: S310 - the TSA URL is the operator's configuration
            self.url,
            data=req.dump(),
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(_REPLY_LIMIT)
        except OSError as error:
            raise SealingError(
                "tsa_unreachable",
                said(
                    "The time-stamping authority could not be reached (%(error)s).",
                    error=type(error).__name__,
                ),
            ) from None
        try:
            reply = TimeStampReply.load(body)
            granted = reply["status"]["status"].native in ("granted", "granted_with_mods")
        except ValueError:
            raise SealingError(
                "tsa_refused",
                said("The time-stamping authority sent an answer that is not a time-stamp reply."),
            ) from None
        if not granted or not reply["time_stamp_token"]:
            raise SealingError("tsa_refused", said("The time-stamping authority refused the request."))
        # pyHanko's reply checks (status granted, nonce echoed) read the same two fields.
        return reply  # type: ignore[return-value]


class TimeStamper:
    """A time-stamping authority's client: ``timestamp(data)`` returns the DER TimeStampToken over ``data``'s
    digest, or raises ``SealingError`` (unreachable, refused, a reply that does not answer the request)."""

    def __init__(self, url: str, *, timeout: float = 5, digest: str = "sha256") -> None:
        self.url = url
        self.timeout = timeout
        self.digest = digest
        self._client = _Client(url, timeout)

    def __repr__(self) -> str:
        return f"TimeStamper({self.url!r})"

    def timestamp(self, data: bytes) -> bytes:
        digest = hashlib.new(self.digest, data).digest()
        try:
            token = _run(self._client.async_timestamp(digest, self.digest))
        except TimestampRequestError:  # pyHanko: refused, or a nonce that is not ours
            raise SealingError(
                "tsa_nonce", said("The time-stamp answer does not match the request.")
            ) from None
        return bytes(token.dump())


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's coroutine to its end from synchronous code, also where this thread already runs an event loop
    (an async caller, a browser-test driver): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


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


def verify_timestamp_token(token_der: bytes, data: bytes) -> TimestampInfo:
    """Check a TimeStampToken over ``data``: the imprint, and the TSA's signature over the signed attributes.
    A token that cannot be read raises ``SealingError`` (never anything else)."""
    try:
        return _verify_timestamp_token(token_der, data)
    except SealingError:
        raise
    except Exception as error:  # whatever a malformed token provokes in the ASN.1 or the crypto
        raise SealingError(
            "bad_timestamp", said("The time-stamp could not be read (%(error)s).", error=type(error).__name__)
        ) from None


def _verify_timestamp_token(token_der: bytes, data: bytes) -> TimestampInfo:
    content = cms.ContentInfo.load(token_der)
    signed: cms.SignedData = content["content"]
    encap = signed["encap_content_info"]
    info = encap["content"].parsed
    if not isinstance(info, tsp.TSTInfo):
        raise ValueError("not a TSTInfo")
    imprint = info["message_imprint"]
    hash_ok = (
        hashlib.new(imprint["hash_algorithm"]["algorithm"].native, data).digest()
        == imprint["hashed_message"].native
    )
    certificates = tuple(c.chosen.dump() for c in signed["certificates"] if c.name == "certificate")
    signer: SignedDataCerts | None
    try:  # the signer's certificate, which must be the one the ESS signing-certificate attribute names
        signer = extract_certs_for_validation(signed)
    except Exception:  # pyHanko: not carried, or not the one the token names
        signer = None
    signature_ok = False
    if signer is not None:
        signer_info = extract_signer_info(signed)
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        actual = hashlib.new(digest_name, bytes(encap["content"].contents)).digest()
        try:
            intact, valid = validate_sig_integrity(signer_info, signer.signer_cert, "tst_info", actual)
        except Exception:  # pyHanko: a signed attribute that is wrong (content type, algorithms)
            intact = valid = False
        signature_ok = intact and valid
    return TimestampInfo(
        gen_time=info["gen_time"].native.astimezone(dt.UTC),
        tsa_cert_der=signer.signer_cert.dump() if signer is not None else None,
        certificates=certificates,
        hash_ok=hash_ok,
        signature_ok=signature_ok,
    )
