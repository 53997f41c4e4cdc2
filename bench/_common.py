"""Helpers shared by the benchmarks: timing statistics and a table printer."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def per_item(function: Callable[[Any], object], items: Sequence[Any]) -> list[float]:
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append(time.perf_counter() - started)
    return timings


def stats(timings: Sequence[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "mean_ms": statistics.fmean(ordered) * 1000,
    }


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [f"{'measure':<52} {'median ms':>10} {'p95 ms':>10}"]
    for name, values in rows:
        lines.append(f"{name:<52} {values['median_ms']:>10.3f} {values['p95_ms']:>10.3f}")
    return "\n".join(lines)


def start_workers(count: int, root: Any, *, tag: str = "bench") -> list[Any]:
    """``count`` real Celery worker processes (solo pool: one core each) on the configured broker, once they all
    answer a ping."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from europass.celery import app

    workers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "europass",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--hostname",
                f"{tag}{i}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=root,
            env={**os.environ},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(count)
    ]
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5) or []) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return workers


def stop_workers(workers: Sequence[Any]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(30)
