"""Thin Celery tasks: take ids, call one service. Safe to run twice (work is claimed row by row)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready


@shared_task(
    bind=True, name="issuing.seal_chunk", acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def seal_chunk(self: Any, credential_ids: list[int]) -> dict[str, int]:
    """Seal a chunk; while the e-seal key's device or service cannot sign, retry with a growing delay (5 s doubling
    to 5 minutes, without end: the batch page says why it waits, and it goes on when the key works again)."""
    from .services.sealing import SourceUnavailable, credentials_seal

    try:
        return credentials_seal(credential_ids=credential_ids).to_json()
    except SourceUnavailable:
        raise self.retry(countdown=min(300, 5 * 2 ** min(self.request.retries, 6))) from None


@shared_task(
    bind=True, name="issuing.seal_rows", acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def seal_rows(self: Any, batch_id: int, start: int, stop: int) -> dict[str, int]:
    """Create the pending credentials of a confirmed batch's rows ``start:stop`` (those not created yet), then seal
    them; retried as ``seal_chunk`` is while the e-seal key cannot sign."""
    from .services.batches import batch_rows_create
    from .services.sealing import SourceUnavailable, credentials_seal

    try:
        return credentials_seal(credential_ids=batch_rows_create(batch_id, start, stop)).to_json()
    except SourceUnavailable:
        raise self.retry(countdown=min(300, 5 * 2 ** min(self.request.retries, 6))) from None


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
