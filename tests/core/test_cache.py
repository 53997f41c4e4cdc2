"""The cache without Redis counts exactly: concurrent requests never pass a rate limit's window."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.test import RequestFactory
from rest_framework.throttling import ScopedRateThrottle

from europass.core.throttling import WindowedScopedThrottle

LIMIT = 100


@pytest.fixture
def file_cache(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "europass.core.cache.AtomicFileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"test": f"{LIMIT}/hour"})


def _passes(count: int) -> int:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    request.user = AnonymousUser()
    view = SimpleNamespace(throttle_scope="test")
    return sum(WindowedScopedThrottle().allow_request(request, view) for _ in range(count))


def test_the_default_cache_without_redis_is_the_atomic_file_cache() -> None:
    from django.conf import settings

    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("REDIS_URL is set: Redis counts atomically")
    assert settings.CACHES["default"]["BACKEND"] == "europass.core.cache.AtomicFileBasedCache"


def test_concurrent_threads_never_pass_more_requests_than_the_limit(file_cache: None) -> None:
    passed: list[int] = []
    barrier = threading.Barrier(16)

    def client() -> None:
        barrier.wait()
        passed.append(_passes(25))

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(passed) == LIMIT  # 400 requests, exactly the limit let through


def _forked_client(start: int, result: int) -> None:
    """In a child made by ``os.fork``: wait for the start signal, count, report, and leave at once (no atexit,
    no after-fork handlers: multiprocessing's would make kombu close the parent's broker connections)."""
    try:
        os.read(start, 1)
        os.write(result, str(_passes(50)).encode())
    finally:
        os._exit(0)


def test_concurrent_processes_never_pass_more_requests_than_the_limit(file_cache: None) -> None:
    start_read, start_write = os.pipe()
    children: list[tuple[int, int]] = []
    for _ in range(8):
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            _forked_client(start_read, result_write)
        os.close(result_write)
        children.append((pid, result_read))
    os.write(start_write, b"x" * len(children))
    results = []
    try:
        for _pid, result_read in children:
            ready, _, _ = select.select([result_read], [], [], 60)
            assert ready, "a child process did not answer within 60 s"
            results.append(int(os.read(result_read, 32) or b"0"))
    finally:
        for pid, result_read in children:
            os.close(result_read)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(start_read)
        os.close(start_write)
    assert sum(results) == LIMIT  # 400 requests from 8 processes, exactly the limit let through


def test_an_increment_keeps_the_entry_s_expiry(file_cache: None) -> None:
    cache.add("counter", 0, timeout=1000)
    cache.incr("counter")
    with open(caches["default"]._key_to_file("counter"), "rb") as file:  # type: ignore[attr-defined]
        import pickle
        import time

        expiry = pickle.load(file)
    assert 990 < expiry - time.time() <= 1000
    assert cache.incr("counter", 5) == 6 and cache.decr("counter", 2) == 4


def test_incrementing_a_missing_or_expired_key_is_an_error(file_cache: None) -> None:
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("gone", 1, timeout=-1)
    with pytest.raises(ValueError):
        cache.incr("gone")
