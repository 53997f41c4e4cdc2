"""EU trust out of the box: the EU List of Trusted Lists (LOTL) and every national list it points to, verified and
imported as trust anchors with their status history (``trusted_list_sync``, daily through Celery beat).

1. The LOTL is fetched from its official address (``TRUSTED_LIST_LOTL_URL``) through the guarded fetcher (SSRF
   rules, ``TRUSTED_LIST_MAX_BYTES``, ``TRUSTED_LIST_FETCH_TIMEOUT_SECONDS``).
2. Its signature is checked against the certificates the Official Journal published for it
   (``TRUSTED_LIST_LOTL_SIGNERS``). The Commission announces later signing certificates in *pivot* LOTLs (the
   ``.xml`` addresses of its SchemeInformationURI, newest first): from the oldest, each pivot is checked with the
   certificates known so far, and the certificates its pointer to the LOTL names become the known ones. Only
   certificates from the Official Journal or from a verified pivot ever sign for the LOTL.
3. Each national list (one XML pointer per territory) is fetched and checked against the certificates the LOTL
   gives for it, then imported by ``europass.registry.listsync.territory_import``.

Failures are isolated: a national list that cannot be fetched, read or verified keeps that territory's anchors as
they were and is reported in the sync's record; a LOTL that fails changes nothing. Every run is recorded
(``TrustedListSync``), also when it fails.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Collection, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from europass.core.errors import ApplicationError, Conflict
from europass.registry import listsync, trustedlist
from europass.registry.models import TrustedListSync
from europass.registry.selectors import trusted_list_sync_last_attempt, trusted_list_sync_last_success
from europass.registry.trustedlist import TrustedListError
from europass.sealing.trust import load_pem_certificates

from .fetch import FetchError, fetch_public

log = logging.getLogger(__name__)

LOCK_KEY = "verification:trusted-list-sync:running"
ACCEPT = "application/vnd.etsi.tsl+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


class SyncRunning(Conflict):
    code = "trusted_list_sync_running"


def lotl_signers(path: str | Path | None = None) -> list[bytes]:
    """DER of the LOTL signing certificates in a PEM file (``TRUSTED_LIST_LOTL_SIGNERS`` by default; comment
    lines around the certificates are allowed)."""
    source = Path(path or settings.TRUSTED_LIST_LOTL_SIGNERS)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise ApplicationError(
            f"The LOTL signing certificates cannot be read ({source}): {error.strerror or error}.",
            code="trusted_list_signers_missing",
        ) from error
    blocks = []
    start = data.find(b"-----BEGIN CERTIFICATE-----")
    while start >= 0:
        end = data.find(b"-----END CERTIFICATE-----", start)
        if end < 0:
            break
        end += len(b"-----END CERTIFICATE-----")
        blocks.extend(load_pem_certificates(data[start:end] + b"\n"))
        start = data.find(b"-----BEGIN CERTIFICATE-----", end)
    if not blocks:
        raise ApplicationError(
            f"No certificate in {source}: the LOTL's signature could not be checked.",
            code="trusted_list_signers_missing",
        )
    return blocks


def _get(url: str) -> bytes:
    return fetch_public(
        url,
        accept=ACCEPT,
        timeout=float(settings.TRUSTED_LIST_FETCH_TIMEOUT_SECONDS),
        max_bytes=int(settings.TRUSTED_LIST_MAX_BYTES),
    ).body


def _same_site(url: str, base: str) -> bool:
    one, two = urlsplit(url), urlsplit(base)
    return (one.scheme, one.hostname, one.port) == (two.scheme, two.hostname, two.port)


def _reason(error: Exception) -> str:
    if isinstance(error, ApplicationError):
        return str(error.message)
    return str(error) or type(error).__name__


def _signers_from_pivots(
    pivots: Sequence[str], lotl_url: str, signers: list[bytes], messages: list[str]
) -> list[bytes]:
    """The certificates that may sign the current LOTL: the Official Journal's, updated by each verified pivot."""
    current = list(signers)
    limit = int(settings.TRUSTED_LIST_MAX_PIVOTS)
    if len(pivots) > limit:
        messages.append(f"The LOTL names {len(pivots)} pivot LOTLs: only the {limit} newest are followed.")
    for url in reversed(list(pivots)[:limit]):
        if not _same_site(url, lotl_url):
            messages.append(f"Pivot LOTL {url} is not on the LOTL's site: not followed.")
            continue
        try:
            pivot, root = trustedlist.parse_lotl(_get(url))
            trustedlist.verify_signature_any(root, current)
        except (FetchError, TrustedListError) as error:
            messages.append(f"Pivot LOTL {url}: {_reason(error)}")
            continue
        own = pivot.own_pointer()
        if own is None or not own.certificates:
            messages.append(f"Pivot LOTL {url} names no signing certificate for the LOTL: not followed.")
            continue
        current = list(own.certificates)
    return current


def trusted_list_sync(
    *,
    lotl_url: str | None = None,
    signers: Sequence[bytes] | None = None,
    territories: Collection[str] | None = None,
) -> TrustedListSync:
    """Fetch, verify and import the EU trusted lists; returns the sync's record (``ok``: the LOTL verified).

    ``signers``: DER certificates that may sign the LOTL (default: ``TRUSTED_LIST_LOTL_SIGNERS``);
    ``territories``: import only these (e.g. ``{"FR", "DE"}``). One sync at a time: raises ``SyncRunning`` when
    another is running.
    """
    url = lotl_url or settings.TRUSTED_LIST_LOTL_URL
    token = uuid.uuid4().hex
    if not cache.add(LOCK_KEY, token, timeout=int(settings.TRUSTED_LIST_SYNC_LOCK_SECONDS)):
        raise SyncRunning("A trusted list sync is already running.")
    try:
        sync = listsync.sync_start(lotl_url=url)
        try:
            ok = _run(sync, url, list(signers) if signers is not None else None, territories)
        except Exception as error:  # the record says what happened, whatever happened
            log.exception("trusted list sync failed unexpectedly")
            sync.messages.append(f"The sync stopped on an unexpected error ({type(error).__name__}).")
            ok = False
        return listsync.sync_finish(sync, ok=ok)
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def _run(
    sync: TrustedListSync, url: str, signers: list[bytes] | None, territories: Collection[str] | None
) -> bool:
    messages: list[str] = sync.messages
    try:
        known = signers if signers is not None else lotl_signers()
    except ApplicationError as error:
        messages.append(_reason(error))
        return False
    try:
        data = _get(url)
    except FetchError as error:
        messages.append(f"The LOTL could not be fetched from {url}: {error} Nothing was changed.")
        return False
    try:
        lotl, root = trustedlist.parse_lotl(data)
        if lotl.tsl_type != trustedlist.LOTL_TYPE:
            raise TrustedListError(f"The document at {url} is not a list of trusted lists ({lotl.tsl_type}).")
        current = _signers_from_pivots(lotl.pivots, url, known, messages)
        try:
            trustedlist.verify_signature_any(root, current)
        except TrustedListError:
            if current == known:
                raise
            trustedlist.verify_signature_any(root, known)
    except TrustedListError as error:
        messages.append(f"The LOTL was refused: {_reason(error)} Nothing was changed.")
        return False
    sync.lotl_sequence_number = lotl.sequence_number[:32]
    oj = str(getattr(settings, "TRUSTED_LIST_OJ_URL", "") or "")
    if oj and lotl.official_journal and oj not in lotl.official_journal:
        messages.append(
            "The LOTL names another Official Journal publication of its signing certificates "
            f"({', '.join(lotl.official_journal)}): update TRUSTED_LIST_LOTL_SIGNERS and TRUSTED_LIST_OJ_URL."
        )
    messages.extend(lotl.problems[:20])
    wanted = {t.upper() for t in territories} if territories else None
    for pointer in lotl.national_pointers():
        if wanted is not None and pointer.territory not in wanted:
            continue
        state = _territory(sync, pointer, url, lotl.sequence_number)
        sync.territories[pointer.territory] = state
        listsync.sync_save(sync)
    if wanted is not None:
        missing = wanted - {pointer.territory for pointer in lotl.national_pointers()}
        if missing:
            messages.append(f"The LOTL points to no list for {', '.join(sorted(missing))}.")
    return True


def _territory(
    sync: TrustedListSync, pointer: trustedlist.ListPointer, lotl_url: str, lotl_sequence: str
) -> dict[str, object]:
    state: dict[str, object] = {"url": pointer.location}
    try:
        data = _get(pointer.location)
        parsed, root = trustedlist.parse(data)
        if parsed.territory != pointer.territory:
            raise TrustedListError(
                f"The list at this address is the list of {parsed.territory or '?'}, not of {pointer.territory}."
            )
        trustedlist.verify_signature_any(root, pointer.certificates)
        result = listsync.territory_import(
            parsed=parsed,
            source=listsync.ListSource(
                territory=pointer.territory,
                list_url=pointer.location,
                sequence_number=parsed.sequence_number,
                lotl_url=lotl_url,
                lotl_sequence_number=lotl_sequence,
            ),
        )
    except (FetchError, TrustedListError) as error:
        sync.lists_failed += 1
        state.update(state="failed", reason=_reason(error))
        sync.messages.append(f"{pointer.territory}: {_reason(error)} Its anchors are kept as they were.")
        return state
    except Exception as error:  # one list's surprise never stops the others
        log.exception("trusted list sync: the list of %s failed", pointer.territory)
        sync.lists_failed += 1
        state.update(state="failed", reason=f"unexpected error ({type(error).__name__})")
        sync.messages.append(
            f"{pointer.territory}: unexpected error ({type(error).__name__}). Its anchors are kept as they were."
        )
        return state
    sync.lists_fetched += 1
    sync.services_imported += result.services
    sync.anchors_changed += result.changed
    state.update(state="imported", sequence_number=parsed.sequence_number, **result.as_dict())
    return state


def trusted_list_sync_due(now: dt.datetime | None = None) -> bool:
    """Whether a sync should run now: enabled, none succeeded within ``TRUSTED_LIST_SYNC_INTERVAL_SECONDS`` and
    none was tried within ``TRUSTED_LIST_SYNC_RETRY_SECONDS`` (a fresh install: at once)."""
    if not settings.TRUSTED_LIST_SYNC_ENABLED:
        return False
    now = now or timezone.now()
    last = trusted_list_sync_last_success()
    interval, retry = settings.TRUSTED_LIST_SYNC_INTERVAL_SECONDS, settings.TRUSTED_LIST_SYNC_RETRY_SECONDS
    if last is not None and last.finished_at and (now - last.finished_at).total_seconds() < interval:
        return False
    attempt = trusted_list_sync_last_attempt()
    return attempt is None or (now - attempt.started_at).total_seconds() >= retry


def trusted_list_sync_if_due() -> TrustedListSync | None:
    """A sync when one is due (see ``trusted_list_sync_due``), else None; None too when one is already running."""
    if not trusted_list_sync_due():
        return None
    try:
        return trusted_list_sync()
    except SyncRunning:
        return None
