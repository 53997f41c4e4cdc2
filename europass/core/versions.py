"""Versions shared by every process through the cache, read at most once a second per process.

A process that changes what a version guards (trust anchors, the register) bumps it: that process sees the change
at once, the others within ``TTL`` seconds. Readers rebuild their in-process caches when the version differs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

TTL = 1.0
_all: list[SharedVersion] = []


class SharedVersion:
    def __init__(self, key: str, ttl: float = TTL) -> None:
        self.key = key
        self.ttl = ttl
        self._read: tuple[float, str] = (0.0, "")
        self._lock = threading.Lock()
        _all.append(self)

    def get(self) -> str:
        now = time.monotonic()
        read_at, version = self._read
        if version and now - read_at < self.ttl:
            return version
        version = cache.get(self.key)
        if version is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            version = cache.get(self.key) or "unversioned"
        self._read = (now, str(version))
        return str(version)

    def bump(self) -> str:
        version = uuid.uuid4().hex
        cache.set(self.key, version, timeout=None)
        self._read = (time.monotonic(), version)
        return version

    def changed(self, then: Callable[[], object] | None = None) -> None:
        """What this version guards is being changed in the current transaction: bump now (this process sees it at
        once) and again when the transaction commits, so that no process keeps, under the new version, what it read
        before the commit. ``then`` (default: ``bump``) is what runs at each of the two moments."""
        step = then or self.bump
        step()
        transaction.on_commit(step)

    def forget(self) -> None:
        """Read the shared version again next time (tests, after the cache was cleared)."""
        self._read = (0.0, "")


def forget_all() -> None:
    for version in _all:
        version.forget()
