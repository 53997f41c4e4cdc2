"""What ``/healthz`` reports about the task queue, without a flood of health checks flooding the workers.

Asking the workers (a Celery ping) takes up to a second. The answer is kept in the shared cache and reused for
``HEALTH_PING_SECONDS``; when it is older, one process (the one that wins ``cache.add`` of a short-lived lock) asks
again while the others answer with the previous result. Before any answer exists, the others wait briefly for the
first one rather than ping too. A flood of ``/healthz`` therefore costs at most one ping per interval.

``/healthz`` also says when the EU trusted lists were last synced (``trusted_lists_health``, one indexed query).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

ANSWER_KEY = "health:workers"
LOCK_KEY = "health:workers:asking"
PING_TIMEOUT = 1.0


@dataclass(frozen=True)
class QueueHealth:
    broker: bool | None  # None: not known yet (another process is asking)
    workers: int


def _now() -> float:
    return time.time()


def _ping(timeout: float = PING_TIMEOUT) -> tuple[bool, int]:
    """Reach the broker and count the workers that answer a ping (at most ``timeout`` seconds each)."""
    from europass.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            replies = app.control.ping(timeout=timeout, connection=conn) or []
        return True, len(replies)
    except Exception:  # health must answer, whatever the failure
        log.warning("health: broker check failed", exc_info=True)
        return False, 0


def _ask() -> QueueHealth:
    broker, workers = _ping()
    interval = int(settings.HEALTH_PING_SECONDS)
    cache.set(ANSWER_KEY, (_now(), broker, workers), timeout=max(10 * interval, 60))
    return QueueHealth(broker=broker, workers=workers)


def _known() -> tuple[float, QueueHealth] | None:
    value = cache.get(ANSWER_KEY)
    if not (isinstance(value, tuple) and len(value) == 3):
        return None
    at, broker, workers = value
    return float(at), QueueHealth(broker=bool(broker), workers=int(workers))


def queue_health() -> QueueHealth:
    """The broker's state and the number of live workers, asked at most once per ``HEALTH_PING_SECONDS`` across
    every process sharing the cache (0: ask on every call)."""
    interval = int(settings.HEALTH_PING_SECONDS)
    if interval <= 0:
        broker, workers = _ping()
        return QueueHealth(broker=broker, workers=workers)
    known = _known()
    if known is not None and _now() - known[0] < interval:
        return known[1]
    # The lock outlives a ping (broker connection and ping, one timeout each) so that a process dying while asking
    # delays the next ping by seconds, never forever.
    if cache.add(LOCK_KEY, True, timeout=int(3 * PING_TIMEOUT) + 2):
        try:
            return _ask()
        finally:
            cache.delete(LOCK_KEY)
    if known is not None:
        return known[1]  # somebody is asking right now: the previous answer meanwhile
    deadline = time.monotonic() + 2 * PING_TIMEOUT + 0.5
    while time.monotonic() < deadline:
        time.sleep(0.05)
        known = _known()
        if known is not None:
            return known[1]
    return QueueHealth(broker=None, workers=0)


# --- the EU trusted lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedListsHealth:
    """The last successful sync of the EU trusted lists. ``state``: ``ok``; ``pending`` (none yet, and the first
    has not had time to run: ``TRUSTED_LIST_HEALTH_GRACE_SECONDS`` after install); ``missing`` (none since);
    ``stale`` (older than ``TRUSTED_LIST_MAX_AGE_SECONDS``); ``disabled``; ``unknown`` (the database did not
    answer)."""

    state: str
    last_sync: dt.datetime | None = None
    age_seconds: int | None = None

    @property
    def healthy(self) -> bool:
        return self.state in ("ok", "pending", "disabled")

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "age_seconds": self.age_seconds,
        }


def trusted_lists_health(now: dt.datetime | None = None) -> TrustedListsHealth:
    from django.utils import timezone

    from europass.registry.selectors import trusted_list_sync_installed_at, trusted_list_sync_last_success

    now = now or timezone.now()
    try:
        last = trusted_list_sync_last_success()
        installed = trusted_list_sync_installed_at() if last is None else None
    except Exception:  # health must answer, whatever the failure
        log.warning("health: trusted list sync check failed", exc_info=True)
        return TrustedListsHealth("unknown")
    if last is not None and last.finished_at is not None:
        age = max(0, int((now - last.finished_at).total_seconds()))
        fresh = age <= int(settings.TRUSTED_LIST_MAX_AGE_SECONDS)
        state = "ok" if fresh or not settings.TRUSTED_LIST_SYNC_ENABLED else "stale"
        return TrustedListsHealth(state, last.finished_at, age)
    if not settings.TRUSTED_LIST_SYNC_ENABLED:
        return TrustedListsHealth("disabled")
    since = (now - installed).total_seconds() if installed is not None else 0.0
    return TrustedListsHealth(
        "pending" if since < int(settings.TRUSTED_LIST_HEALTH_GRACE_SECONDS) else "missing"
    )
