"""Thin Celery tasks: take ids, call one service. Safe to run twice (work is claimed row by row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery import shared_task
from celery.signals import worker_ready

if TYPE_CHECKING:
    from .services.sealing import SealResult


def _sealed_or_later(task: Any, seal: Callable[[], SealResult]) -> dict[str, int]:
    """Run ``seal``; while the e-seal key's device or service cannot sign, retry the task with a growing delay (5 s
    doubling to 5 minutes, without end: the batch page says why it waits, and it goes on when the key works again)."""
    from .services.sealing import SourceUnavailable

    try:
        return seal().to_json()
    except SourceUnavailable:
        raise task.retry(countdown=min(300, 5 * 2 ** min(task.request.retries, 6))) from None


@shared_task(
    bind=True, name="issuing.seal_chunk", acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def seal_chunk(self: Any, credential_ids: list[int]) -> dict[str, int]:
    """Seal the pending credentials among ``credential_ids`` (one credential issued on its own)."""
    from .services.sealing import credentials_seal

    return _sealed_or_later(self, lambda: credentials_seal(credential_ids=credential_ids))


@shared_task(
    bind=True, name="issuing.seal_rows", acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def seal_rows(self: Any, batch_id: int, start: int, stop: int) -> dict[str, int]:
    """Create and seal the credentials of a confirmed batch's rows ``start:stop``."""
    from .services.batches import batch_chunk_seal

    return _sealed_or_later(self, lambda: batch_chunk_seal(batch_id, start, stop))


@shared_task(name="issuing.deliver_chunk", acks_late=True, reject_on_worker_lost=True, max_retries=3)
def deliver_chunk(credential_ids: list[int]) -> int:
    from .services.delivery import credentials_deliver

    return credentials_deliver(credential_ids=credential_ids)


@shared_task(name="issuing.export_part", acks_late=True, reject_on_worker_lost=True)
def export_part(part_id: int) -> bool:
    from .services.exports import export_part_render

    return export_part_render(part_id)


@shared_task(name="issuing.export_join", acks_late=True, reject_on_worker_lost=True)
def export_join(export_id: int) -> None:
    from .services.exports import export_finish

    export_finish(export_id)


@shared_task(name="issuing.resume_batches")
def resume_batches() -> int:
    from .services.batches import batches_resume
    from .services.exports import exports_resume

    return batches_resume() + exports_resume()


@worker_ready.connect
def _resume_on_start(sender: Any = None, **kwargs: Any) -> None:
    resume_batches.delay()
