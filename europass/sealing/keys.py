"""An organisation's e-seal key: loading (PKCS#12, PEM), checks, and encryption at rest (rotatable)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidKey
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12

from europass.words import said

from .errors import SealingError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
ALLOWED_CURVES = (ec.SECP256R1, ec.SECP384R1)


@dataclass(frozen=True)
class SealKey:
    """A private key with its seal certificate and the intermediate certificates. Its repr shows no key material."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def __repr__(self) -> str:
        return f"SealKey(certificate={self.certificate.subject.rfc4514_string()!r}, chain={len(self.chain)})"

    __str__ = __repr__


def _public_bytes(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def check_key(private_key: object, certificate: x509.Certificate) -> PrivateKey:
    if isinstance(private_key, rsa.RSAPrivateKey):
        if private_key.key_size < 2048:
            raise SealingError(
                "weak_key",
                said(
                    "An RSA key of %(bits)s bits is too weak for a seal (2048 bits at least).",
                    bits=private_key.key_size,
                ),
            )
    elif isinstance(private_key, ec.EllipticCurvePrivateKey):
        if not isinstance(private_key.curve, ALLOWED_CURVES):
            raise SealingError(
                "weak_key",
                said(
                    "The elliptic curve %(curve)s is not accepted (P-256 or P-384).",
                    curve=private_key.curve.name,
                ),
            )
    else:
        raise SealingError("not_a_key", said("This is not an RSA or ECDSA private key."))
    if _public_bytes(private_key.public_key()) != _public_bytes(certificate.public_key()):
        raise SealingError("key_mismatch", said("The private key does not belong to the certificate."))
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise SealingError(
            "wrong_key_usage",
            said(
                "The certificate may not be used for seals (it allows neither digital signature nor non-repudiation)."
            ),
        )
    return private_key


def load_pkcs12(data: bytes, password: bytes | None) -> SealKey:
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise SealingError(
            "bad_pkcs12", said("The PKCS#12 file could not be opened: wrong password, or not a PKCS#12 file.")
        ) from None
    if key is None or certificate is None:
        raise SealingError("bad_pkcs12", said("The PKCS#12 file holds no private key with its certificate."))
    return SealKey(check_key(key, certificate), certificate, tuple(extra or ()))


def load_pem(key_pem: bytes, certs_pem: bytes, password: bytes | None = None) -> SealKey:
    try:
        key = serialization.load_pem_private_key(key_pem, password)
    except (ValueError, TypeError, InvalidKey):
        raise SealingError(
            "bad_key", said("The private key could not be read: wrong password, or not a PEM private key.")
        ) from None
    try:
        certificates = x509.load_pem_x509_certificates(certs_pem)
    except ValueError:
        raise SealingError(
            "bad_certificate", said("The certificates could not be read (PEM expected).")
        ) from None
    public = _public_bytes(key.public_key())
    seal_cert = next((cert for cert in certificates if _public_bytes(cert.public_key()) == public), None)
    if seal_cert is None:
        raise SealingError("key_mismatch", said("None of the certificates belongs to the private key."))
    chain = tuple(cert for cert in certificates if cert is not seal_cert)
    return SealKey(check_key(key, seal_cert), seal_cert, chain)


def to_pkcs12(seal_key: SealKey, password: bytes, name: bytes = b"e-seal") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        name,
        seal_key.private_key,
        seal_key.certificate,
        list(seal_key.chain) or None,
        serialization.BestAvailableEncryption(password),
    )


class KeyVault:
    """Encrypts private keys at rest with Fernet. The first secret encrypts, every secret decrypts: to rotate,
    put a new secret first, then re-encrypt with :meth:`rotate`."""

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one key-encryption secret is needed")
        self._fernet = MultiFernet([Fernet(self._derive(secret)) for secret in secrets])

    @staticmethod
    def _derive(secret: str) -> bytes:
        # A secret of any length becomes a 32-byte Fernet key.
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"europass-key-vault")
        return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))

    def __repr__(self) -> str:
        return "KeyVault(<secrets hidden>)"

    def encrypt(self, private_key: PrivateKey) -> bytes:
        der = private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return self._fernet.encrypt(der)

    def decrypt(self, token: bytes) -> PrivateKey:
        try:
            der = self._fernet.decrypt(token)
        except InvalidToken:
            raise SealingError(
                "key_locked",
                said(
                    "The stored key cannot be decrypted with the configured secrets (KEY_ENCRYPTION_SECRETS)."
                ),
            ) from None
        key = serialization.load_der_private_key(der, None)
        assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        return key

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)
