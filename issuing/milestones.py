"""What the batch page's live regions say, and when: only at milestones, never at every poll.

The page polls its progress every second; the bar is redrawn each time, but a screen reader hears only the live
region beside it (``#progress-said``, ``#export-said``), which stays in the DOM and changes only when the milestone
changes: started, every 10 %, a first failure, finished (or cancelled, or failed for an export). Each poll carries the
milestone last said (``?said=``); the answer re-says it only when it differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import BatchExport
    from .services.batches import Progress

MAX_SAID = 40  # a milestone key is short: anything longer in ``?said=`` is not one of ours


def _step(percent: int) -> str:
    return "started" if percent < 10 else str(min(percent // 10 * 10, 100))


def batch_milestone(progress: Progress) -> str:
    """``sealing-started-0``, ``sealing-30-1`` (30 %, some failed), ``done-100-0``, ``cancelled-…``."""
    step = _step(progress.percent) if progress.status == "sealing" else "end"
    return f"{progress.status}-{step}-{int(bool(progress.failed))}"


def export_milestone(export: BatchExport) -> str:
    """``rendering-started``, ``rendering-40``, ``joining``, ``ready``, ``failed``."""
    if export.status == "rendering":
        return f"rendering-{_step(export.percent)}"
    return str(export.status)


def changed(milestone: str, said: str | None) -> bool:
    """Whether the live region should speak: the milestone differs from the one it last said."""
    return milestone != (said or "")[:MAX_SAID]
