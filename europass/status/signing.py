"""Status lists as secured credentials: W3C VC-JOSE-COSE (``application/vc+jwt``), signed with the e-seal of the
organisation that publishes them, its certificate chain in the ``x5c`` header.

A verifier that reads a list unsigned has only the network's word that it came from the awarding body; signed, it
checks that the list's signer is the credential's sealer. The key lives with the issuing app: it registers a
``KeySource`` at start-up (``ready()``), so that this module imports no app.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.cache import cache

from europass.registry.models import Organisation

from .models import StatusList
from .selectors import status_list_credential

MEDIA_TYPE = "application/vc+jwt"
ALGORITHMS = ("RS256", "PS256", "ES256", "ES384")

# (private key, [seal certificate, intermediates...], key fingerprint) for an organisation, or None without e-seal
KeySource = Callable[[Organisation], tuple[Any, list[x509.Certificate], str] | None]
_sources: list[KeySource] = []


def register_key_source(source: KeySource) -> None:
    if source not in _sources:
        _sources.append(source)


def _key_of(organisation: Organisation) -> tuple[Any, list[x509.Certificate], str] | None:
    for source in _sources:
        found = source(organisation)
        if found is not None:
            return found
    return None


def algorithm_for(key: Any) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ES384" if key.curve.key_size >= 384 else "ES256"
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    raise ValueError("e-seal keys are RSA or ECDSA")


def signed_status_list(status_list: StatusList) -> str | None:
    """The list as a compact JWS, or None when its organisation has no e-seal to sign it with. Signed once per
    change of the list or of the e-seal (cached)."""
    found = _key_of(status_list.organisation)
    if found is None:
        return None
    key, chain, fingerprint = found
    cache_key = f"status:jwt:{status_list.pk}:{status_list.updated_at.isoformat()}:{fingerprint}"
    token = cache.get(cache_key)
    if token is None:
        headers = {
            "typ": "vc+jwt",
            "cty": "vc",
            "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain],
        }
        token = jwt.encode(
            status_list_credential(status_list), key, algorithm=algorithm_for(key), headers=headers
        )
        cache.set(cache_key, token, timeout=24 * 3600)
    return str(token)


class SignedListError(ValueError):
    """The token is not a status list signed as this module signs them (message in English, for the report)."""


def read_signed_list(token: str) -> tuple[dict[str, Any], list[bytes]]:
    """Verify a ``vc+jwt`` status list's signature with the certificate in its ``x5c`` header: its payload and
    its chain (DER, signer first). Whether the signer is to be believed is the caller's question."""
    try:
        header = jwt.get_unverified_header(token)
        chain = [base64.b64decode(value, validate=True) for value in header.get("x5c") or []]
        if not chain:
            raise SignedListError("The status list's signature names no certificate (x5c).")
        public_key = x509.load_der_x509_certificate(chain[0]).public_key()
        payload = jwt.decode(
            token,
            public_key,  # type: ignore[arg-type]
            algorithms=list(ALGORITHMS),
            options={"verify_aud": False, "verify_iat": False, "require": []},
        )
    except SignedListError:
        raise
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise SignedListError(f"The status list's signature is not valid ({error}).") from error
    if not isinstance(payload, dict):
        raise SignedListError("The status list's signed content is not a credential.")
    return payload, chain
