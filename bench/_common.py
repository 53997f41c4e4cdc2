"""Helpers shared by the benchmarks: their environment, timing statistics, a table printer, real workers."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any


def scratch_environment(prefix: str, **extra: str) -> None:
    """Production-like settings for a benchmark (DEBUG off, bench-only secrets) on a scratch VAR_DIR (SQLite and the
    filesystem broker) unless the caller's environment says otherwise (DATABASE_URL, REDIS_URL, VAR_DIR...). Call it
    before Django is set up."""
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "europass.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEY_ENCRYPTION_SECRETS", "bench-only-key-encryption-secret")
    for name, value in extra.items():
        os.environ.setdefault(name, value)


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
