"""Portal-wide tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="core.echo")
def echo(value: str) -> str:
    """Return what it was given: proves a real worker consumes the real queue."""
    return value
