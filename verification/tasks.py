"""Thin Celery tasks of the verifier: the daily sync of the EU trusted lists (Celery beat runs them, see
``CELERY_BEAT_SCHEDULE``). Safe to run twice: one sync runs at a time, the other answers None."""

from __future__ import annotations

from celery import shared_task

# A sync downloads some forty lists (up to TRUSTED_LIST_MAX_BYTES each): it may take minutes, never an hour.
_LIMITS = {"soft_time_limit": 45 * 60, "time_limit": 50 * 60}


@shared_task(name="verification.trusted_list_sync", ignore_result=True, **_LIMITS)
def trusted_list_sync() -> str | None:
    from .trusted_lists import SyncRunning
    from .trusted_lists import trusted_list_sync as sync

    try:
        return str(sync().public_id)
    except SyncRunning:
        return None


@shared_task(name="verification.trusted_list_sync_if_due", ignore_result=True, **_LIMITS)
def trusted_list_sync_if_due() -> str | None:
    from .trusted_lists import trusted_list_sync_if_due as sync_if_due

    record = sync_if_due()
    return str(record.public_id) if record is not None else None
