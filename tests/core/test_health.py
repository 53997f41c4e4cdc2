"""``/healthz`` answers fast and a flood of it asks the workers at most once per interval, across processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from europass.core import health


@pytest.fixture
def pings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each real ping of the workers (the ping still runs, through the real broker: it is wrapped, not replaced)."""
    settings.HEALTH_PING_SECONDS = 30
    cache.delete_many([health.ANSWER_KEY, health.LOCK_KEY])
    calls: list[float] = []
    real: Callable[..., tuple[bool, int]] = health._ping

    def counted(*args: Any, **kwargs: Any) -> tuple[bool, int]:
        calls.append(time.monotonic())
        return real(*args, **kwargs)

    monkeypatch.setattr(health, "_ping", counted)
    return calls


@pytest.mark.django_db
def test_a_flood_of_health_checks_pings_the_workers_once_per_interval(
    client: Client, pings: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get("/healthz")
    assert first.json()["broker"] == "ok" and first.json()["database"] == "ok"
    start = time.monotonic()
    answers = [client.get("/healthz") for _ in range(30)]
    assert len(pings) == 1
    assert time.monotonic() - start < 3  # thirty answers without a one-second ping each
    assert {response.json()["workers"] for response in answers} == {first.json()["workers"]}
    assert {response.status_code for response in answers} == {first.status_code}
    later = time.time() + 31
    monkeypatch.setattr(health, "_now", lambda: later)
    client.get("/healthz")
    client.get("/healthz")
    assert len(pings) == 2


def test_health_checks_arriving_together_share_one_ping(pings: list[float]) -> None:
    results: list[health.QueueHealth] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()
        results.append(health.queue_health())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(pings) == 1
    assert len(results) == 8 and {result.broker for result in results} == {True}


def test_without_an_interval_every_health_check_pings(pings: list[float], settings: Any) -> None:
    settings.HEALTH_PING_SECONDS = 0
    health.queue_health()
    health.queue_health()
    assert len(pings) == 2
