"""Trust: anchors (some qualified for e-seals), certificate paths judged at a moment with pyhanko-certvalidator.

A ``TrustStore`` is built once and reused; validated paths are cached and reused whenever the moment asked lies
inside the validity window of every certificate of the cached path (revocation data carried in a signature
bypasses the cache).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import threading
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError, ValidationError

from .validation_data import read_crls, read_ocsps, revoked_in_path, split_anchor_crls

T = TypeVar("T")
_executor = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="certvalidator")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion, also from a thread that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    return _executor.submit(asyncio.run, coroutine).result()


@dataclass(frozen=True)
class TrustAnchor:
    certificate_der: bytes
    name: str
    qualified_for_seals: bool = False

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate_der).hexdigest()


@dataclass(frozen=True)
class PathResult:
    trusted: bool
    anchor: TrustAnchor | None = None
    path: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    expired_since: bool = False
    not_yet_valid: bool = False
    revoked: bool = False
    window: tuple[dt.datetime, dt.datetime] | None = None

    def reason(self, lang: str = "en") -> str:
        return self.reasons.get(lang[:2], self.reasons.get("en", ""))


def load_pem_certificates(data: bytes) -> list[bytes]:
    """DER of every certificate in a PEM (or a single DER) blob."""
    if pem.detect(data):
        return [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


class TrustStore:
    def __init__(self, anchors: Iterable[TrustAnchor] = ()) -> None:
        self.anchors: tuple[TrustAnchor, ...] = tuple(anchors)
        self._roots: list[asn1_x509.Certificate] = []
        self._by_key: dict[bytes, TrustAnchor] = {}
        for anchor in self.anchors:
            try:
                root = asn1_x509.Certificate.load(anchor.certificate_der)
                root.native  # noqa: B018 - parse fully now
            except Exception:  # noqa: S112 - an unreadable anchor is skipped, never fatal
                continue
            self._roots.append(root)
            self._by_key[root.public_key.dump()] = anchor
        self._cache: dict[tuple[bytes, frozenset[bytes]], PathResult] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_pem(cls, data: bytes, *, qualified_for_seals: bool = False, name: str = "") -> TrustStore:
        return cls(
            TrustAnchor(der, name or f"anchor {i + 1}", qualified_for_seals)
            for i, der in enumerate(load_pem_certificates(data))
        )

    @classmethod
    def from_pem_files(cls, paths: Sequence[str | Path], *, qualified_for_seals: bool = False) -> TrustStore:
        anchors: list[TrustAnchor] = []
        for path in paths:
            for der in load_pem_certificates(Path(path).read_bytes()):
                anchors.append(TrustAnchor(der, Path(path).name, qualified_for_seals))
        return cls(anchors)

    def with_anchors(self, extra: Iterable[TrustAnchor]) -> TrustStore:
        return TrustStore([*self.anchors, *extra])

    def __len__(self) -> int:
        return len(self.anchors)

    def validate(
        self,
        leaf_der: bytes,
        intermediates_der: Sequence[bytes] = (),
        *,
        moment: dt.datetime,
        ocsps: Sequence[bytes] = (),
        crls: Sequence[bytes] = (),
    ) -> PathResult:
        ocsps = read_ocsps(list(ocsps))[0]  # PEM made DER, unreadable values skipped: none may sink the path
        crls = read_crls(list(crls))[0]
        key = (
            hashlib.sha256(leaf_der).digest(),
            frozenset(hashlib.sha256(d).digest() for d in intermediates_der),
        )
        cacheable = not ocsps and not crls
        if cacheable:
            with self._lock:
                cached = self._cache.get(key)
            if (
                cached is not None
                and cached.trusted
                and cached.window
                and cached.window[0] <= moment <= cached.window[1]
            ):
                return cached
        result = self._validate(leaf_der, intermediates_der, moment=moment, ocsps=ocsps, crls=crls)
        if cacheable and result.trusted:
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = result
        return result

    def _validate(
        self,
        leaf_der: bytes,
        intermediates_der: Sequence[bytes],
        *,
        moment: dt.datetime,
        ocsps: Sequence[bytes],
        crls: Sequence[bytes],
    ) -> PathResult:
        try:
            leaf = asn1_x509.Certificate.load(leaf_der)
            leaf.native  # noqa: B018
            intermediates = []
            for der in intermediates_der:
                try:
                    cert = asn1_x509.Certificate.load(der)
                    cert.native  # noqa: B018
                    intermediates.append(cert)
                except Exception:  # noqa: S112 - one unreadable extra certificate must not sink the path
                    continue
        except Exception as error:
            return PathResult(
                False,
                reasons={
                    "en": f"The seal certificate could not be read ({type(error).__name__}).",
                    "fr": f"Le certificat du cachet n'a pas pu être lu ({type(error).__name__}).",
                },
            )
        if not self._roots:
            return self._failure(leaf, moment, PathBuildingError("no trust anchor"))
        crls, anchor_crls = split_anchor_crls(list(crls), self._roots)
        context = ValidationContext(
            trust_roots=self._roots,
            other_certs=intermediates,
            moment=moment,
            allow_fetching=False,
            ocsps=list(ocsps),
            crls=list(crls),
            revocation_mode="soft-fail",
        )
        validator = CertificateValidator(leaf, intermediates, validation_context=context)
        try:
            path = run_sync(validator.async_validate_path())
        except (PathBuildingError, PathValidationError, ValidationError) as error:
            return self._failure(leaf, moment, error)
        except Exception as error:  # a messy certificate: a failed check, never a crash
            return PathResult(
                False,
                reasons={
                    "en": f"The certificate path could not be checked ({type(error).__name__}).",
                    "fr": f"La chaîne de certificats n'a pas pu être vérifiée ({type(error).__name__}).",
                },
            )
        certificates = list(path)
        revoked = revoked_in_path(certificates, anchor_crls, moment)
        if revoked is not None:
            name, when = revoked[0].subject.human_friendly, f"{revoked[1]:%Y-%m-%d}"
            return PathResult(
                False,
                revoked=True,
                reasons={
                    "en": f"The certificate “{name}” had been revoked (on {when}) when the seal was made.",
                    "fr": f"Le certificat « {name} » avait été révoqué (le {when}) quand le cachet a été apposé.",
                },
            )
        root = certificates[0]
        anchor = self._by_key.get(root.public_key.dump())
        start = max(c["tbs_certificate"]["validity"]["not_before"].native for c in certificates)
        end = min(c["tbs_certificate"]["validity"]["not_after"].native for c in certificates)
        return PathResult(
            True,
            anchor=anchor,
            path=tuple(c.subject.human_friendly for c in certificates),
            expired_since=end < dt.datetime.now(dt.UTC),
            window=(start, end),
            reasons={
                "en": f"Trusted: the path ends at the trust anchor “{anchor.name if anchor else root.subject.human_friendly}”.",
                "fr": f"De confiance : la chaîne aboutit à l'ancre « {anchor.name if anchor else root.subject.human_friendly} ».",
            },
        )

    def _failure(self, leaf: asn1_x509.Certificate, moment: dt.datetime, error: Exception) -> PathResult:
        validity = leaf["tbs_certificate"]["validity"]
        issuer = leaf.issuer.human_friendly
        if moment > validity["not_after"].native:
            return PathResult(
                False,
                expired_since=True,
                reasons={
                    "en": f"The seal certificate had expired at the signing time ({validity['not_after'].native:%Y-%m-%d}).",
                    "fr": f"Le certificat du cachet était expiré au moment de la signature ({validity['not_after'].native:%Y-%m-%d}).",
                },
            )
        if moment < validity["not_before"].native:
            return PathResult(
                False,
                not_yet_valid=True,
                reasons={
                    "en": "The seal certificate was not yet valid at the signing time.",
                    "fr": "Le certificat du cachet n'était pas encore valide au moment de la signature.",
                },
            )
        if isinstance(error, RevokedError):
            when = f"{error.revocation_dt:%Y-%m-%d}"
            return PathResult(
                False,
                revoked=True,
                reasons={
                    "en": f"The seal certificate had been revoked (on {when}) when the seal was made.",
                    "fr": f"Le certificat du cachet avait été révoqué (le {when}) quand le cachet a été apposé.",
                },
            )
        if isinstance(error, PathBuildingError):
            return PathResult(
                False,
                reasons={
                    "en": f"The certificate authority “{issuer}” is not trusted here. An administrator can add its root "
                    "certificate as a trust anchor (admin › trust anchors, or a trusted list import).",
                    "fr": f"L'autorité de certification « {issuer} » n'est pas reconnue ici. Un administrateur peut ajouter "
                    "son certificat racine comme ancre de confiance (administration › ancres de confiance, ou import d'une liste de confiance).",
                },
            )
        return PathResult(
            False,
            reasons={
                "en": f"The certificate path is not valid: {error}",
                "fr": f"La chaîne de certificats n'est pas valide : {error}",
            },
        )
