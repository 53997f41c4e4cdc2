"""The cache without Redis counts exactly: concurrent requests never pass a rate limit's window."""

from __future__ import annotations

import multiprocessing
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


def _process_client(start: Any, queue: Any) -> None:
    from django.db import connections

    connections.close_all()
    start.wait()
    queue.put(_passes(50))


def test_concurrent_processes_never_pass_more_requests_than_the_limit(file_cache: None) -> None:
    context = multiprocessing.get_context("fork")
    start, queue = context.Event(), context.Queue()
    processes = [context.Process(target=_process_client, args=(start, queue)) for _ in range(8)]
    for process in processes:
        process.start()
    start.set()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(30)
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
