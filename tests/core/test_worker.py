"""A real worker consumes the real queue."""

from __future__ import annotations

from typing import Any

from django.test import Client

from europass.core.tasks import echo


def test_a_task_sent_through_the_real_broker_is_executed_by_a_real_worker(celery_worker_process: Any) -> None:
    result = echo.delay("sealed once")
    assert result.get(timeout=30) == "sealed once"


def test_health_is_all_ok_with_a_live_worker(celery_worker_process: Any, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok" and body["workers"] >= 1
