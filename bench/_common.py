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
