"""The cache used when there is no Redis: files under ``var/``, shared by every process of the machine.

Django's ``FileBasedCache`` implements ``add`` as "has_key, then set" and ``incr`` as "get, then set": two
processes (or threads) counting the same key both read the old value, and a rate limit of 600 let 754 to 800 of
800 concurrent requests through. Here ``add`` and ``incr`` run under an exclusive ``flock`` (one of a fixed set of
lock files chosen by the key, so that unrelated keys rarely wait for each other and the lock files never pile up),
and ``incr`` keeps the entry's expiry instead of resetting it to the default timeout. Locks are advisory and local
to one machine: web servers on several machines need Redis (``REDIS_URL``).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files.move import file_move_safe

LOCK_STRIPES = 64


class AtomicFileBasedCache(FileBasedCache):
    """``FileBasedCache`` whose ``add``, ``incr`` and ``decr`` are atomic across the threads and processes of one
    machine."""

    if TYPE_CHECKING:  # FileBasedCache's own, not in its type stubs
        _dir: str

        def _key_to_file(self, key: str, version: int | None = None) -> str: ...
        def _delete(self, fname: str) -> bool: ...

    @contextmanager
    def _locked(self, key: str, version: int | None) -> Iterator[str]:
        fname = self._key_to_file(key, version)
        stripe = int(os.path.basename(fname)[:8], 16) % LOCK_STRIPES
        lock_dir = os.path.join(self._dir, "locks")
        os.makedirs(lock_dir, mode=0o700, exist_ok=True)
        # A new open file description each time: flock then excludes other threads of this process too.
        with open(os.path.join(lock_dir, f"{stripe:02d}.lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield fname
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._locked(key, version):
            return bool(super().add(key, value, timeout, version))

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        with self._locked(key, version) as fname:
            try:
                with open(fname, "rb") as file:
                    expiry = pickle.load(file)  # noqa: S301 - our own files, in a 0700 folder (as Django does)
                    value = pickle.loads(zlib.decompress(file.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                raise ValueError(f"Key '{key}' not found") from None
            if expiry is not None and expiry < time.time():
                self._delete(fname)
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            self._replace(fname, expiry, new_value)
            return new_value

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        return self.incr(key, -delta, version)

    def _replace(self, fname: str, expiry: float | None, value: Any) -> None:
        """Write ``value`` with the very ``expiry`` it had (``set`` would compute a new one)."""
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        renamed = False
        try:
            with open(fd, "wb") as file:
                file.write(pickle.dumps(expiry, self.pickle_protocol))
                file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
            file_move_safe(tmp_path, fname, allow_overwrite=True)
            renamed = True
        finally:
            if not renamed:
                os.remove(tmp_path)
