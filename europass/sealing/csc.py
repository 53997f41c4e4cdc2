"""Remote e-sealing at a trust service provider: a client of the Cloud Signature Consortium API v2.

What it does: an OAuth2 access token by client credentials (``oauth2/token``), the credential's certificates and key
algorithms (``credentials/info``), the signature activation data (``credentials/authorize``: for the number of
signatures, and the hashes themselves when the service requires it — SCAL2 —, with a PIN read from an environment
variable when the credential needs one), and signatures of many hashes per request (``signatures/signHash``), at
most ``batch_size`` (and the credential's ``multisign``) per call: a chunk of 100 credentials is one call per format.

Why not pyHanko's CSC signer: it speaks CSC v1 (``hash`` / ``hashAlgo``; v2 renamed them ``hashes`` /
``hashAlgorithmOID``), is asynchronous over aiohttp, and leaves the OAuth2 token and the authorisation to the caller;
the sealing loop here is synchronous and needs all three. Its key is seen by the sealers as a ``cryptography`` key
(``RemoteRsaKey`` / ``RemoteEcKey``) with one more method, ``sign_many``, which the batch path uses.

Secrets (the client secret, the PIN) are read from the environment when needed, never stored, never logged, never
put in an error message. Every failure is a ``SealingError`` whose code starts with ``csc_``: the batch pauses.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from europass.words import Text, said

from .errors import SealingError
from .keys import SealKey
from .token_keys import TokenEcKey, TokenRsaKey

HASH_OIDS = {
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}
RSA_OIDS = {
    "sha256": "1.2.840.113549.1.1.11",
    "sha384": "1.2.840.113549.1.1.12",
    "sha512": "1.2.840.113549.1.1.13",
}
ECDSA_OIDS = {
    "sha256": "1.2.840.10045.4.3.2",
    "sha384": "1.2.840.10045.4.3.3",
    "sha512": "1.2.840.10045.4.3.4",
}
MAX_ANSWER = 4 * 1024 * 1024


@dataclass(frozen=True)
class CscConfig:
    """Where the remote key is. Nothing here is secret: ``secret_env`` and ``pin_env`` NAME the environment
    variables holding the OAuth2 client secret and the credential's PIN (SCAL2)."""

    url: str  # the API base, e.g. https://tsp.example/csc/v2
    client_id: str
    credential_id: str
    secret_env: str = ""
    pin_env: str = ""
    batch_size: int = 100
    otp: bool = (
        False  # each batch is authorised with a one-time password a person gives (``authorize_batch``)
    )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CscConfig:
        return cls(
            url=str(data.get("url", "")),
            client_id=str(data.get("client_id", "")),
            credential_id=str(data.get("credential_id", "")),
            secret_env=str(data.get("secret_env", "")),
            pin_env=str(data.get("pin_env", "")),
            batch_size=int(data.get("batch_size", 100) or 100),
            otp=bool(data.get("otp", False)),
        )


@dataclass(frozen=True)
class CredentialInfo:
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    algorithms: tuple[str, ...]
    multisign: int
    scal: str


def _error(code: str, text: Text) -> SealingError:
    return SealingError(code, text)


class RemoteRsaKey(TokenRsaKey):
    def __init__(self, public: rsa.RSAPublicKey, client: CscClient) -> None:
        super().__init__(public, lambda data, name: client.sign_many([data], name)[0], client.name)
        self.sign_many = client.sign_many


class RemoteEcKey(TokenEcKey):
    def __init__(self, public: ec.EllipticCurvePublicKey, client: CscClient) -> None:
        super().__init__(public, lambda data, name: client.sign_many([data], name)[0], client.name)
        self.sign_many = client.sign_many


class CscClient:
    """One remote credential. Thread-safe; the access token is kept until shortly before it expires."""

    def __init__(self, config: CscConfig, *, timeout: float = 30) -> None:
        self.config = config
        self.timeout = timeout
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None
        self._info: CredentialInfo | None = None

    @property
    def name(self) -> str:
        host = urllib.parse.urlsplit(self.config.url).netloc
        return f"{host}/{self.config.credential_id}"

    def __repr__(self) -> str:
        return f"CscClient({self.name!r})"

    # --- HTTP -------------------------------------------------------------------------------------------------

    def _secret(self, name: str, what: Text) -> str:
        value = os.environ.get(name, "") if name else ""
        if not value:
            raise _error(
                "csc_secret_missing",
                said(
                    "The %(what)s of the remote seal %(seal)s is not available: set the environment variable "
                    "%(variable)s for the workers.",
                    what=what,
                    seal=self.name,
                    variable=name or said("(none named)"),
                ),
            )
        return value

    def _send(self, endpoint: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        url = self.config.url.rstrip("/") + "/" + endpoint
        self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - operator's URL
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(MAX_ANSWER)
        except urllib.error.HTTPError as error:
            detail = _service_error(error)
            if error.code == 401:
                raise _Unauthorised(detail) from None
            if error.code >= 500:
                raise _error(
                    "csc_unreachable",
                    said(
                        "The remote signing service %(service)s is unavailable (%(detail)s).",
                        service=self.name,
                        detail=detail,
                    ),
                ) from None
            raise _error(
                "csc_refused",
                said(
                    "The remote signing service %(service)s refused %(endpoint)s: %(detail)s.",
                    service=self.name,
                    endpoint=endpoint,
                    detail=detail,
                ),
            ) from None
        except (OSError, TimeoutError) as error:
            raise _error(
                "csc_unreachable",
                said(
                    "The remote signing service %(service)s could not be reached (%(error)s).",
                    service=self.name,
                    error=type(error).__name__,
                ),
            ) from None
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise _error(
                "csc_answer",
                said(
                    "The remote signing service %(service)s answered %(endpoint)s with something that is not JSON.",
                    service=self.name,
                    endpoint=endpoint,
                ),
            )
        return data

    def _access_token(self, *, renew: bool = False) -> str:
        with self._lock:
            if self._token is not None and not renew and self._token[1] > time.monotonic():
                return self._token[0]
            secret = self._secret(self.config.secret_env, said("client secret"))
            body = urllib.parse.urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": self.config.client_id,
                    "client_secret": secret,
                }
            ).encode()
            try:
                data = self._send("oauth2/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
            except _Unauthorised as error:
                raise _error(
                    "csc_client_refused",
                    said(
                        "The remote signing service %(service)s refused the client %(client)s: %(detail)s.",
                        service=self.name,
                        client=self.config.client_id,
                        detail=str(error),
                    ),
                ) from None
            token = str(data.get("access_token", ""))
            if not token:
                raise _error(
                    "csc_answer",
                    said("The remote signing service %(service)s gave no access token.", service=self.name),
                )
            lifetime = float(data.get("expires_in", 3600) or 3600)
            self._token = (token, time.monotonic() + max(lifetime - 30, 1))
            return token

    def post(self, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        for renew in (False, True):
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._access_token(renew=renew)}",
            }
            try:
                return self._send(endpoint, body, headers)
            except _Unauthorised:
                continue  # the access token expired: a new one, once
        raise _error(
            "csc_client_refused",
            said(
                "The remote signing service %(service)s refused our access token for %(endpoint)s.",
                service=self.name,
                endpoint=endpoint,
            ),
        )

    # --- the API ----------------------------------------------------------------------------------------------

    def credentials(self) -> list[str]:
        return [str(c) for c in self.post("credentials/list", {}).get("credentialIDs", [])]

    def info(self) -> CredentialInfo:
        if self._info is not None:
            return self._info
        data = self.post(
            "credentials/info",
            {"credentialID": self.config.credential_id, "certificates": "chain", "certInfo": False},
        )
        try:
            certificates = [
                x509.load_der_x509_certificate(base64.b64decode(c)) for c in data["cert"]["certificates"]
            ]
            algorithms = tuple(str(a) for a in data.get("key", {}).get("algo", []))
            info = CredentialInfo(
                certificate=certificates[0],
                chain=tuple(certificates[1:]),
                algorithms=algorithms,
                multisign=max(1, int(data.get("multisign", 1) or 1)),
                scal=str(data.get("SCAL", "1")),
            )
        except (KeyError, IndexError, ValueError, TypeError):
            raise _error(
                "csc_answer",
                said(
                    "The remote signing service %(service)s gave no readable certificate for %(credential)s.",
                    service=self.name,
                    credential=self.config.credential_id,
                ),
            ) from None
        self._info = info
        return info

    def key(self) -> SealKey:
        """The remote credential as a ``SealKey`` whose private key signs through this client."""
        info = self.info()
        public = info.certificate.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            private: TokenRsaKey | TokenEcKey = RemoteRsaKey(public, self)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            private = RemoteEcKey(public, self)
        else:
            raise _error("csc_key_type", said("The remote credential's key is neither RSA nor ECDSA."))
        return SealKey(private_key=private, certificate=info.certificate, chain=info.chain)

    def _authorize(self, hashes: list[str], hash_name: str) -> str:
        payload: dict[str, Any] = {
            "credentialID": self.config.credential_id,
            "numSignatures": len(hashes),
            "hashes": hashes,
            "hashAlgorithmOID": HASH_OIDS[hash_name],
        }
        if self.config.pin_env:
            payload["PIN"] = self._secret(self.config.pin_env, said("PIN"))
        sad = str(self.post("credentials/authorize", payload).get("SAD", ""))
        if not sad:
            raise _error(
                "csc_answer",
                said(
                    "The remote signing service %(service)s gave no signature activation data.",
                    service=self.name,
                ),
            )
        return sad

    def authorize_batch(self, count: int, otp: str) -> tuple[str, int]:
        """Signature activation data for ``count`` signatures, given a one-time password (SCAL1 with OTP: not bound
        to hashes, so the chunks of a batch can use it as they are sealed). Returns the SAD and its lifetime (s)."""
        payload: dict[str, Any] = {
            "credentialID": self.config.credential_id,
            "numSignatures": count,
            "OTP": otp,
        }
        if self.config.pin_env:
            payload["PIN"] = self._secret(self.config.pin_env, said("PIN"))
        data = self.post("credentials/authorize", payload)
        sad = str(data.get("SAD", ""))
        if not sad:
            raise _error(
                "csc_answer",
                said(
                    "The remote signing service %(service)s gave no signature activation data.",
                    service=self.name,
                ),
            )
        return sad, int(data.get("expiresIn", 3600) or 3600)

    def sign_many(self, items: list[bytes], hash_name: str, *, sad: str | None = None) -> list[bytes]:
        """Raw signatures of ``items`` (PKCS#1 v1.5, or r || s for ECDSA), in order: the hashes are sent in
        batches of at most ``batch_size`` and the credential's ``multisign``, each batch authorised then signed
        (authorised again, once, when the service says the authorisation expired). With ``sad`` (a batch
        authorised by a person's one-time password) no authorisation is asked: an expired one raises
        ``csc_authorisation_expired``."""
        if hash_name not in HASH_OIDS:
            raise _error("csc_hash", said("Unsupported hash %(hash)s.", hash=hash_name))
        info = self.info()
        is_ec = isinstance(info.certificate.public_key(), ec.EllipticCurvePublicKey)
        sign_oid = (ECDSA_OIDS if is_ec else RSA_OIDS)[hash_name]
        size = max(1, min(self.config.batch_size, info.multisign))
        hashes = [base64.b64encode(hashlib.new(hash_name, item).digest()).decode() for item in items]
        signatures: list[bytes] = []
        for start in range(0, len(hashes), size):
            part = hashes[start : start + size]
            for attempt in (1, 2):
                given = sad
                if given is None and self.config.otp:
                    raise _error(
                        "csc_authorisation_needed",
                        said(
                            "The remote seal %(seal)s needs a one-time password for this batch: enter it on the "
                            "batch page.",
                            seal=self.name,
                        ),
                    )
                activation = given if given is not None else self._authorize(part, hash_name)
                try:
                    data = self.post(
                        "signatures/signHash",
                        {
                            "credentialID": self.config.credential_id,
                            "SAD": activation,
                            "hashes": part,
                            "hashAlgorithmOID": HASH_OIDS[hash_name],
                            "signAlgo": sign_oid,
                        },
                    )
                except SealingError as error:
                    expired = error.code == "csc_refused" and "SAD" in str(error)
                    if expired and given is not None:
                        raise _error(
                            "csc_authorisation_expired",
                            said(
                                "The authorisation of the remote seal %(seal)s for this batch expired or is used "
                                "up: enter a new one-time password on the batch page.",
                                seal=self.name,
                            ),
                        ) from None
                    if attempt == 1 and expired:
                        continue  # the authorisation expired between the two calls: authorise again
                    raise
                break
            values = data.get("signatures")
            if not isinstance(values, list) or len(values) != len(part):
                raise _error(
                    "csc_answer",
                    said(
                        "The remote signing service %(service)s returned %(returned)s signatures for %(hashes)s "
                        "hashes.",
                        service=self.name,
                        returned=len(values or []),
                        hashes=len(part),
                    ),
                )
            for value in values:
                raw = base64.b64decode(str(value))
                signatures.append(_raw_ecdsa(raw, info) if is_ec else raw)
        return signatures


class _Unauthorised(Exception):
    pass


def _service_error(error: urllib.error.HTTPError) -> str:
    """The service's own error (CSC: ``error`` and ``error_description``), shortened; never echoes a request."""
    try:
        data = json.loads(error.read(16 * 1024) or b"{}")
    except ValueError:
        data = {}
    if isinstance(data, dict) and data.get("error"):
        description = str(data.get("error_description", ""))[:200]
        return f"{str(data['error'])[:60]}{': ' + description if description else ''}"
    return f"HTTP {error.code}"


def _raw_ecdsa(signature: bytes, info: CredentialInfo) -> bytes:
    """CSC services return ECDSA signatures DER-encoded (as CMS carries them): r || s, as XML and JOSE carry them."""
    public = info.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    size = (public.curve.key_size + 7) // 8
    if len(signature) == 2 * size and signature[0] != 0x30:
        return signature
    r, s = decode_dss_signature(signature)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")
