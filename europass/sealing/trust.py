"""Trust: anchors (some qualified for e-seals), certificate paths judged at a moment with pyhanko-certvalidator.

A ``TrustStore`` is built once and reused; validated paths are cached and reused whenever the moment asked lies
inside the validity window of every certificate of the cached path (revocation data carried in a signature
bypasses the cache).

An anchor read from an EU trusted list carries the periods in which its service was granted: it vouches for a
certificate only when the moment judged lies in one of them, and is qualified for seals as that period says (a
service granted when a seal was made counts even if withdrawn since). An anchor without periods (added by hand)
vouches at any moment. Qualified time-stamping services are kept apart: they never vouch for a seal certificate.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import threading
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError, ValidationError

from europass.words import Text, said

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
class GrantedPeriod:
    """From ``start`` until ``end`` (excluded; None: still granted) a trusted list granted the anchor's service."""

    start: dt.datetime
    end: dt.datetime | None = None
    qualified_for_seals: bool = False

    def covers(self, moment: dt.datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class TrustAnchor:
    certificate_der: bytes
    name: str
    qualified_for_seals: bool = False
    # None: trusted at any moment (an anchor added by hand); else only within these periods (a trusted list's).
    periods: tuple[GrantedPeriod, ...] | None = None
    # A qualified time-stamping service: never an anchor for seal certificates (see ``timestamp_authority``).
    timestamping: bool = False

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate_der).hexdigest()

    def at(self, moment: dt.datetime) -> TrustAnchor | None:
        """The anchor as it stood at ``moment``: None when no granted period covers it, else qualified for seals
        as the period covering it says."""
        if self.periods is None:
            return self
        for period in self.periods:
            if period.covers(moment):
                if period.qualified_for_seals == self.qualified_for_seals:
                    return self
                return replace(self, qualified_for_seals=period.qualified_for_seals)
        return None


@dataclass(frozen=True)
class _InForce:
    """The anchors that may end a path at a moment, among those named as issuers in the chain, and the moments
    between which that stays so (``end`` excluded)."""

    roots: list[asn1_x509.Certificate]
    by_key: dict[bytes, TrustAnchor]
    start: dt.datetime | None
    end: dt.datetime | None
    resting: list[tuple[asn1_x509.Certificate, TrustAnchor]]  # trusted-list anchors named, not granted then


@dataclass(frozen=True)
class PathResult:
    trusted: bool
    anchor: TrustAnchor | None = None
    path: tuple[str, ...] = ()
    text: Text | None = None  # why it is trusted or not, for people
    expired_since: bool = False
    not_yet_valid: bool = False
    revoked: bool = False
    window: tuple[dt.datetime, dt.datetime] | None = None

    def reason(self, lang: str | None = None) -> str:
        """The sentence in ``lang`` (the active language when None); "" when there is none."""
        return self.text.shown(lang) if self.text is not None else ""


def load_pem_certificates(data: bytes) -> list[bytes]:
    """DER of every certificate in a PEM (or a single DER) blob."""
    if pem.detect(data):
        return [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


class TrustStore:
    def __init__(self, anchors: Iterable[TrustAnchor] = ()) -> None:
        self.anchors: tuple[TrustAnchor, ...] = tuple(anchors)
        # Every anchor that may end a seal certificate's path (time-stamping services are kept apart). The EU lists
        # give thousands: a path is built over those named as issuers in the chain only (see ``_in_force``).
        self._entries: list[tuple[asn1_x509.Certificate, TrustAnchor]] = []
        self._timestamping: dict[bytes, list[TrustAnchor]] = {}
        for anchor in self.anchors:
            try:
                root = asn1_x509.Certificate.load(anchor.certificate_der)
                if anchor.periods is None and not anchor.timestamping:
                    root.native  # noqa: B018 - parse fully now
                else:  # a trusted list's (checked when imported): what path building reads, not all of it
                    root.public_key.dump(), root.subject.dump(), root["tbs_certificate"]["validity"].native
            except Exception:  # noqa: S112 - an unreadable anchor is skipped, never fatal
                continue
            if anchor.timestamping:
                self._timestamping.setdefault(root.public_key.dump(), []).append(anchor)
            else:
                self._entries.append((root, anchor))
        self._by_name: dict[str, list[tuple[asn1_x509.Certificate, TrustAnchor]]] | None = None
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

    def _named(self, names: Iterable[asn1_x509.Name]) -> list[tuple[asn1_x509.Certificate, TrustAnchor]]:
        """The anchors whose subject is one of ``names``, compared as path building compares them (the index of
        every anchor's normalised name is made once per store)."""
        if self._by_name is None:
            index: dict[str, list[tuple[asn1_x509.Certificate, TrustAnchor]]] = {}
            for entry in self._entries:
                index.setdefault(entry[0].subject.hashable, []).append(entry)
            with self._lock:
                self._by_name = index
        found: dict[int, tuple[asn1_x509.Certificate, TrustAnchor]] = {}
        for name in names:
            for entry in self._by_name.get(name.hashable, ()):
                found[id(entry)] = entry
        return list(found.values())

    def _in_force(
        self, named: list[tuple[asn1_x509.Certificate, TrustAnchor]], moment: dt.datetime
    ) -> _InForce:
        """Which of the ``named`` anchors vouch at ``moment`` (qualified for seals as their period then says), and
        between which moments around it that stays so."""
        roots: list[asn1_x509.Certificate] = []
        resting: list[tuple[asn1_x509.Certificate, TrustAnchor]] = []
        by_key: dict[bytes, TrustAnchor] = {}
        start: dt.datetime | None = None
        end: dt.datetime | None = None
        for root, anchor in named:
            for period in anchor.periods or ():
                for edge in (period.start, period.end):
                    if edge is None:
                        continue
                    if edge <= moment and (start is None or edge > start):
                        start = edge
                    if edge > moment and (end is None or edge < end):
                        end = edge
            current = anchor.at(moment)
            if current is None:
                resting.append((root, anchor))
                continue
            roots.append(root)
            key = root.public_key.dump()
            held = by_key.get(key)
            if held is None or (current.qualified_for_seals and not held.qualified_for_seals):
                by_key[key] = current
        return _InForce(roots, by_key, start, end, resting)

    def timestamp_authority(self, certificate_der: bytes, moment: dt.datetime) -> TrustAnchor | None:
        """The qualified time-stamping service of a trusted list whose certificate has the public key of
        ``certificate_der`` (a time-stamp's signer) and that was granted at ``moment``; None otherwise."""
        try:
            key = asn1_x509.Certificate.load(certificate_der).public_key.dump()
        except Exception:  # an unreadable certificate is simply not a listed authority
            return None
        for anchor in self._timestamping.get(key, ()):
            current = anchor.at(moment)
            if current is not None:
                return current
        return None

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
                text=said("The seal certificate could not be read (%(error)s).", error=type(error).__name__),
            )
        epoch = self._in_force(self._named([leaf.issuer, *(c.issuer for c in intermediates)]), moment)
        if not epoch.roots:
            return self._untrusted(leaf, intermediates, moment, PathBuildingError("no trust anchor"), epoch)
        crls, anchor_crls = split_anchor_crls(list(crls), epoch.roots)
        context = ValidationContext(
            trust_roots=epoch.roots,
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
            return self._untrusted(leaf, intermediates, moment, error, epoch)
        except Exception as error:  # a messy certificate: a failed check, never a crash
            return PathResult(
                False,
                text=said(
                    "The certificate path could not be checked (%(error)s).", error=type(error).__name__
                ),
            )
        certificates = list(path)
        revoked = revoked_in_path(certificates, anchor_crls, moment)
        if revoked is not None:
            name, when = revoked[0].subject.human_friendly, f"{revoked[1]:%Y-%m-%d}"
            return PathResult(
                False,
                revoked=True,
                text=said(
                    "The certificate “%(name)s” had been revoked (on %(day)s) when the seal was made.",
                    name=name,
                    day=when,
                ),
            )
        root = certificates[0]
        anchor = epoch.by_key.get(root.public_key.dump())
        start = max(c["tbs_certificate"]["validity"]["not_before"].native for c in certificates)
        end = min(c["tbs_certificate"]["validity"]["not_after"].native for c in certificates)
        expired_since = end < dt.datetime.now(dt.UTC)
        # A cached path is reused only while the same anchors are in force, qualified the same way.
        if epoch.start is not None:
            start = max(start, epoch.start)
        if epoch.end is not None:
            end = min(end, epoch.end - dt.timedelta(microseconds=1))
        return PathResult(
            True,
            anchor=anchor,
            path=tuple(c.subject.human_friendly for c in certificates),
            expired_since=expired_since,
            window=(start, end),
            text=said(
                "Trusted: the path ends at the trust anchor “%(anchor)s”.",
                anchor=anchor.name if anchor else root.subject.human_friendly,
            ),
        )

    def _untrusted(
        self,
        leaf: asn1_x509.Certificate,
        intermediates: list[asn1_x509.Certificate],
        moment: dt.datetime,
        error: Exception,
        epoch: _InForce,
    ) -> PathResult:
        """The failure; when no path was found, says so plainly if the path ends at a trusted list's anchor whose
        service was not granted at ``moment`` (withdrawn by then, or not yet granted)."""
        failure = self._failure(leaf, moment, error)
        if not isinstance(error, PathBuildingError) or failure.expired_since or failure.not_yet_valid:
            return failure
        if not epoch.resting:
            return failure
        context = ValidationContext(
            trust_roots=[root for root, _anchor in epoch.resting],
            other_certs=intermediates,
            moment=moment,
            allow_fetching=False,
        )
        try:
            path = run_sync(
                CertificateValidator(leaf, intermediates, validation_context=context).async_validate_path()
            )
        except Exception:  # no path to those either: the plain failure
            return failure
        root = next(iter(path))
        name = next(
            (a.name for r, a in epoch.resting if r.public_key.dump() == root.public_key.dump()),
            root.subject.human_friendly,
        )
        at = f"{moment:%Y-%m-%d %H:%M} UTC"
        return PathResult(
            False,
            text=said(
                "The certificate authority “%(name)s” is on a trusted list, but its service was not granted at the "
                "signing time (%(at)s): it does not vouch for a seal made then.",
                name=name,
                at=at,
            ),
        )

    def _failure(self, leaf: asn1_x509.Certificate, moment: dt.datetime, error: Exception) -> PathResult:
        validity = leaf["tbs_certificate"]["validity"]
        issuer = leaf.issuer.human_friendly
        if moment > validity["not_after"].native:
            return PathResult(
                False,
                expired_since=True,
                text=said(
                    "The seal certificate had expired at the signing time (%(day)s).",
                    day=f"{validity['not_after'].native:%Y-%m-%d}",
                ),
            )
        if moment < validity["not_before"].native:
            return PathResult(
                False,
                not_yet_valid=True,
                text=said("The seal certificate was not yet valid at the signing time."),
            )
        if isinstance(error, RevokedError):
            when = f"{error.revocation_dt:%Y-%m-%d}"
            return PathResult(
                False,
                revoked=True,
                text=said(
                    "The seal certificate had been revoked (on %(day)s) when the seal was made.", day=when
                ),
            )
        if isinstance(error, PathBuildingError):
            return PathResult(
                False,
                text=said(
                    "The certificate authority “%(issuer)s” is not trusted here. An administrator can add its root "
                    "certificate as a trust anchor (admin › trust anchors, or a trusted list import).",
                    issuer=issuer,
                ),
            )
        return PathResult(
            False,
            text=said("The certificate path is not valid: %(error)s", error=str(error)),
        )
