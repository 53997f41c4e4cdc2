"""E-seal keys that never leave their device: a PKCS#11 token or HSM (python-pkcs11), seen by the sealers as
ordinary ``cryptography`` private keys.

``TokenRsaKey`` and ``TokenEcKey`` subclass ``cryptography``'s key interfaces and delegate ``sign`` to the device, so
our XAdES sealer, our JAdES sealer and the status-list signer use them unchanged; everything that would export the key
(``private_bytes``, ``private_numbers``, ``decrypt``) refuses.

``Pkcs11Source`` opens one session per worker process (after a fork the library is initialised again in the child),
reuses it, and opens it again once after a token error before giving up with a ``SealingError`` that names the
token but never the PIN. The PIN is read from the environment variable the operator names (``pin_env``), at the
moment the session is opened: it is never stored, never logged, never put in an error message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from europass.words import Text, said, said_n

from .errors import SealingError
from .keys import SealKey

# (data, hash name) -> signature: PKCS#1 v1.5 for RSA, raw r || s for ECDSA (as PKCS#11 returns them)
RawSign = Callable[[bytes, str], bytes]


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise TypeError("This e-seal key lives in its device and cannot be exported or used to decrypt.")


class TokenRsaKey(rsa.RSAPrivateKey):
    def __init__(self, public: rsa.RSAPublicKey, sign: RawSign, label: str) -> None:
        self._public = public
        self._sign = sign
        self.label = label

    def __repr__(self) -> str:
        return f"<TokenRsaKey {self.label!r}>"

    def sign(self, data: bytes, padding: padding.AsymmetricPadding, algorithm: Any) -> bytes:  # type: ignore[override]
        if not isinstance(padding, _PKCS1v15) or isinstance(algorithm, Prehashed):
            raise TypeError("A token e-seal key signs with PKCS#1 v1.5 over the data (RS256, RS384, RS512).")
        return self._sign(data, algorithm.name)

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    decrypt = _refuse  # type: ignore[assignment]
    private_numbers = _refuse  # type: ignore[assignment]
    private_bytes = _refuse  # type: ignore[assignment]

    def __copy__(self) -> TokenRsaKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenRsaKey:
        return self


class TokenEcKey(ec.EllipticCurvePrivateKey):
    def __init__(self, public: ec.EllipticCurvePublicKey, sign: RawSign, label: str) -> None:
        self._public = public
        self._sign = sign
        self.label = label

    def __repr__(self) -> str:
        return f"<TokenEcKey {self.label!r}>"

    def sign(  # type: ignore[override]
        self, data: bytes, signature_algorithm: ec.EllipticCurveSignatureAlgorithm
    ) -> bytes:
        algorithm = getattr(signature_algorithm, "algorithm", None)
        if (
            not isinstance(signature_algorithm, ec.ECDSA)
            or isinstance(algorithm, Prehashed)
            or algorithm is None
        ):
            raise TypeError("A token e-seal key signs with ECDSA over the data (ES256, ES384, ES512).")
        raw = self._sign(data, algorithm.name)
        half = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    exchange = _refuse  # type: ignore[assignment]
    private_numbers = _refuse  # type: ignore[assignment]
    private_bytes = _refuse  # type: ignore[assignment]

    def __copy__(self) -> TokenEcKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenEcKey:
        return self


_PKCS1v15 = padding.PKCS1v15


@dataclass(frozen=True)
class Pkcs11Config:
    """Where the key is: the module (the vendor's PKCS#11 library), the token, the key (label or hex id), and the
    name of the environment variable holding the user PIN. Nothing here is secret."""

    module: str
    token_label: str
    pin_env: str
    key_label: str = ""
    key_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pkcs11Config:
        return cls(
            module=str(data.get("module", "")),
            token_label=str(data.get("token_label", "")),
            pin_env=str(data.get("pin_env", "")),
            key_label=str(data.get("key_label", "")),
            key_id=str(data.get("key_id", "")),
        )

    @property
    def key_name(self) -> str:
        return self.key_label or f"id {self.key_id}"


def _error(code: str, text: Text) -> SealingError:
    return SealingError(code, text)


_MECHANISMS = {  # hash name -> (RSA mechanism, hash for ECDSA over a digest)
    "sha256": ("SHA256_RSA_PKCS", hashes.SHA256),
    "sha384": ("SHA384_RSA_PKCS", hashes.SHA384),
    "sha512": ("SHA512_RSA_PKCS", hashes.SHA512),
}

_libraries: dict[tuple[int, str], Any] = {}
_libraries_lock = threading.Lock()


def _library(module: str) -> Any:
    """The PKCS#11 library, initialised once in this process (after a fork, again in the child)."""
    import pkcs11

    key = (os.getpid(), module)
    with _libraries_lock:
        lib = _libraries.get(key)
        if lib is None:
            if not os.path.isfile(module):
                raise _error(
                    "pkcs11_module",
                    said("The PKCS#11 module %(module)s does not exist on this machine.", module=module),
                )
            lib = pkcs11.lib(module)
            if any(pid != os.getpid() for pid, path in _libraries if path == module):
                lib.reinitialize()  # a fork: the parent's initialisation is not valid here
            _libraries[key] = lib
        return lib


class Pkcs11Source:
    """One token key, its session kept open in this process and reopened once after a token error."""

    def __init__(self, config: Pkcs11Config) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._session: Any = None
        self._key: Any = None
        self._pid = 0
        self._key_type: Any = None

    def __repr__(self) -> str:
        return f"Pkcs11Source({self.config.token_label!r}, {self.config.key_name!r})"

    def _pin(self) -> str:
        name = self.config.pin_env
        pin = os.environ.get(name, "") if name else ""
        if not pin:
            raise _error(
                "pkcs11_pin_missing",
                said(
                    "The PIN of the token %(token)s is not available: set the environment variable %(variable)s "
                    "for the workers.",
                    token=self.config.token_label,
                    variable=name or said("(none named)"),
                ),
            )
        return pin

    def _open(self) -> None:
        from pkcs11 import Attribute, ObjectClass
        from pkcs11 import exceptions as p11

        lib = _library(self.config.module)
        label = self.config.token_label
        try:
            token = lib.get_token(token_label=label)
        except (p11.NoSuchToken, p11.MultipleTokensReturned, p11.TokenNotPresent):
            raise _error(
                "pkcs11_token_absent",
                said(
                    "The token %(token)s is not present (is it plugged in, or the HSM reachable?).",
                    token=label,
                ),
            ) from None
        try:
            try:
                session = token.open(user_pin=self._pin())
            except p11.UserAlreadyLoggedIn:  # another session of this process logged in: login is per token
                session = token.open()
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
            raise _error(
                "pkcs11_pin_refused",
                said(
                    "The token %(token)s refused the PIN given in %(variable)s: nothing was sealed. Correct it "
                    "before the token locks.",
                    token=label,
                    variable=self.config.pin_env,
                ),
            ) from None
        except p11.PinLocked:
            raise _error(
                "pkcs11_pin_locked",
                said(
                    "The token %(token)s is locked (too many wrong PINs): its security officer must unlock it.",
                    token=label,
                ),
            ) from None
        except p11.PKCS11Error as error:
            raise _error(
                "pkcs11_session",
                said(
                    "The token %(token)s could not be opened (%(error)s).",
                    token=label,
                    error=type(error).__name__,
                ),
            ) from None
        attributes: dict[Any, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        if self.config.key_label:
            attributes[Attribute.LABEL] = self.config.key_label
        if self.config.key_id:
            attributes[Attribute.ID] = bytes.fromhex(self.config.key_id)
        keys = list(session.get_objects(attributes))
        if len(keys) != 1:
            session.close()
            raise _error(
                "pkcs11_key",
                said_n(
                    "The token %(token)s holds %(count)s private key named %(key)s: name exactly one.",
                    "The token %(token)s holds %(count)s private keys named %(key)s: name exactly one.",
                    len(keys),
                    token=label,
                    key=self.config.key_name,
                ),
            )
        self._session, self._key, self._pid = session, keys[0], os.getpid()
        self._key_type = keys[0].key_type  # read once: each attribute read is a call to the token

    def _close(self) -> None:
        session, self._session, self._key = self._session, None, None
        if session is not None:
            with contextlib.suppress(Exception):  # a session that is already gone
                session.close()

    def _sign_once(self, data: bytes, hash_name: str) -> bytes:
        from pkcs11 import KeyType, Mechanism

        if self._session is None or self._pid != os.getpid():
            self._session = None
            self._open()
        key = self._key
        rsa_mechanism, ec_hash = _MECHANISMS[hash_name]
        if self._key_type == KeyType.RSA:
            return bytes(key.sign(data, mechanism=getattr(Mechanism, rsa_mechanism)))
        digest = hashes.Hash(ec_hash())
        digest.update(data)
        return bytes(key.sign(digest.finalize(), mechanism=Mechanism.ECDSA))

    def sign(self, data: bytes, hash_name: str) -> bytes:
        from pkcs11 import exceptions as p11

        if hash_name not in _MECHANISMS:
            raise _error("pkcs11_hash", said("Unsupported hash %(hash)s.", hash=hash_name))
        with self._lock:
            for attempt in (1, 2):
                try:
                    return self._sign_once(data, hash_name)
                except SealingError:
                    raise
                except p11.PKCS11Error as error:
                    self._close()  # reopened on the next attempt
                    if attempt == 2:
                        raise _error(
                            "pkcs11_sign",
                            said(
                                "The token %(token)s could not sign (%(error)s).",
                                token=self.config.token_label,
                                error=type(error).__name__,
                            ),
                        ) from None
        raise AssertionError("unreachable")

    def read(self, certificate: x509.Certificate | None = None) -> SealKey:
        """The token key as a ``SealKey``: its certificate read from the token (the certificate object with the key's
        id or label), else ``certificate``; the other certificates on the token become the chain."""
        from pkcs11 import Attribute, KeyType, ObjectClass

        with self._lock:
            if self._session is None or self._pid != os.getpid():
                self._open()
            session, key = self._session, self._key
            key_id = key[Attribute.ID]
            public = next(
                iter(session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.ID: key_id})),
                None,
            )
            found = [
                x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
                for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            ]
            key_type = key.key_type
        own = next((c for c in found if public is not None and _same_key(c, public, key_type)), None)
        seal_certificate = own or certificate
        if seal_certificate is None:
            raise _error(
                "pkcs11_certificate",
                said(
                    "The token %(token)s holds no certificate for the key %(key)s: give the seal certificate (PEM).",
                    token=self.config.token_label,
                    key=self.config.key_name,
                ),
            )
        chain = tuple(c for c in found if c != seal_certificate and c.subject != seal_certificate.subject)
        public_key = seal_certificate.public_key()
        name = f"{self.config.token_label}/{self.config.key_name}"
        if key_type == KeyType.RSA and isinstance(public_key, rsa.RSAPublicKey):
            private: Any = TokenRsaKey(public_key, self.sign, name)
        elif key_type == KeyType.EC and isinstance(public_key, ec.EllipticCurvePublicKey):
            private = TokenEcKey(public_key, self.sign, name)
        else:
            raise _error(
                "pkcs11_key_type",
                said("The seal certificate's key is not the token key's type (RSA or ECDSA)."),
            )
        check_pair(private, seal_certificate)
        return SealKey(
            private_key=private, certificate=seal_certificate, chain=_ordered(chain, seal_certificate)
        )


def _same_key(certificate: x509.Certificate, public: Any, key_type: Any) -> bool:
    from pkcs11 import Attribute, KeyType

    key = certificate.public_key()
    if key_type == KeyType.RSA and isinstance(key, rsa.RSAPublicKey):
        return int.from_bytes(bytes(public[Attribute.MODULUS]), "big") == key.public_numbers().n
    if key_type == KeyType.EC and isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return point in bytes(public[Attribute.EC_POINT])
    return False


def check_pair(private: Any, certificate: x509.Certificate) -> None:
    """Sign a probe on the token and check it with the certificate's key: the certificate is this key's."""
    probe = b"europass e-seal key check"
    public = certificate.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(
                private.sign(probe, padding.PKCS1v15(), hashes.SHA256()),
                probe,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(private.sign(probe, ec.ECDSA(hashes.SHA256())), probe, ec.ECDSA(hashes.SHA256()))
    except Exception as error:
        if isinstance(error, SealingError):
            raise
        raise _error(
            "pkcs11_mismatch",
            said(
                "The seal certificate does not belong to the token key (a test signature does not verify with it)."
            ),
        ) from None


def _ordered(chain: tuple[x509.Certificate, ...], leaf: x509.Certificate) -> tuple[x509.Certificate, ...]:
    """The chain from the leaf's issuer upwards, as far as the token's certificates go."""
    ordered: list[x509.Certificate] = []
    current = leaf
    remaining = list(chain)
    while True:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None or issuer == current:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        current = issuer
    return tuple(ordered)


# --- many signatures in one request (a remote signing service) ---------------------------------------------------

BatchSign = Callable[[list[bytes], str], list[bytes]]  # (data items, hash name) -> raw signatures, in order


def batch_signer(key: Any) -> BatchSign | None:
    """The key's way to sign many items in one request, when it has one (a remote service's key), else None."""
    sign_many = getattr(key, "sign_many", None)
    return sign_many if callable(sign_many) else None


class Recorder:
    """Stands in for a batch key while the documents are prepared: records what each would sign and returns a
    placeholder of the right size, replaced by the real signature once the batch is signed."""

    def __init__(self, key: TokenRsaKey | TokenEcKey) -> None:
        self.items: list[bytes] = []
        self.hashes: set[str] = set()
        public = key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            self._size = (public.key_size + 7) // 8
            self.key: TokenRsaKey | TokenEcKey = TokenRsaKey(public, self._record, f"{key.label} (batch)")
        else:
            self._size = 2 * ((public.curve.key_size + 7) // 8)
            self.key = TokenEcKey(public, self._record, f"{key.label} (batch)")

    def _record(self, data: bytes, hash_name: str) -> bytes:
        self.items.append(data)
        self.hashes.add(hash_name)
        return bytes(self._size)
