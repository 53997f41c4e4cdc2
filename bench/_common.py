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


class WorkerDied(RuntimeError):
    """A benchmark's worker did not start, or stopped: its own words (the end of its log) say why."""


def start_workers(count: int, root: Any, *, tag: str = "bench", timeout: float = 60) -> list[Any]:
    """``count`` real Celery worker processes (solo pool: one core each) on the configured broker, once they all
    answer a ping. Each worker's output goes to a log file; a worker that exits, or that does not answer within
    ``timeout`` seconds, stops the benchmark at once with the end of its log (``WorkerDied``)."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from europass.celery import app

    workers = []
    for i in range(count):
        log = tempfile.NamedTemporaryFile(prefix=f"{tag}{i}-worker-", suffix=".log", delete=False)  # noqa: SIM115
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")), "-A", "europass", "worker", "--pool", "solo",
                "--loglevel", "WARNING", "--hostname", f"{tag}{i}-{os.getpid()}@%h",
                "--without-gossip", "--without-mingle",
            ],
            cwd=root, env={**os.environ}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        process.log_path = log.name  # type: ignore[attr-defined]
        workers.append(process)
    names = {f"{tag}{i}-{os.getpid()}" for i in range(count)}
    deadline = time.monotonic() + timeout
    while True:
        check_workers(workers)
        answered = {next(iter(reply)).split("@")[0] for reply in app.control.ping(timeout=0.5) or []}
        if names <= answered:
            return workers
        if time.monotonic() > deadline:
            stop_workers(workers)
            raise WorkerDied(
                f"{len(names - answered)} of {count} workers did not answer within {timeout:.0f} s:\n"
                + _log_tail(workers[0])
            )
        time.sleep(0.2)


def check_workers(workers: Sequence[Any]) -> None:
    """Raise ``WorkerDied`` with the worker's log when one of ``workers`` has exited (call it while waiting)."""
    for worker in workers:
        if worker.poll() is not None:
            others = [w for w in workers if w is not worker]
            stop_workers(others)
            raise WorkerDied(f"a worker exited with status {worker.returncode}:\n{_log_tail(worker)}")


def _log_tail(worker: Any, size: int = 3000) -> str:
    from pathlib import Path

    path = Path(getattr(worker, "log_path", ""))
    return path.read_text(errors="replace")[-size:] if path.is_file() else "(no log)"


def stop_workers(workers: Sequence[Any]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        worker.wait(30)


def bare_jws_seconds(private_key: Any, payloads: Sequence[str]) -> float:
    """The baseline of EDC 3 sealing: a bare jwcrypto JWS (RS256, unencoded payload, as JAdES signs it) over each
    payload, one core; the seconds it took."""
    from jwcrypto import jwk, jws

    key = jwk.JWK.from_pyca(private_key)
    started = time.perf_counter()
    for payload in payloads:
        token = jws.JWS(payload)
        token.add_signature(key, None, {"alg": "RS256", "b64": False, "crit": ["b64"]}, None)
        token.serialize()
    return time.perf_counter() - started
