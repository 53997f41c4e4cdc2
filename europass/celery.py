"""The Celery application: Redis in production, an embedded filesystem broker by default.

``celery -A europass beat`` sends the periodic tasks of ``CELERY_BEAT_SCHEDULE`` (the daily sync of the EU trusted
lists); when it starts it also asks for a sync if one is due, so that a fresh install trusts the EU lists within
minutes, without an operator.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import beat_init, celeryd_after_setup, task_prerun
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "europass.settings")
# The embedded broker writes each message whole (europass/core/broker.py): kombu's own can show a reader an empty file.
TRANSPORT_ALIASES["filesystem"] = "europass.core.broker:Transport"

app = Celery("europass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)
# A minute after beat starts (migrations have run by then): the worker syncs only if no sync is recent.
FIRST_SYNC_DELAY_SECONDS = 60


@beat_init.connect
def _sync_trusted_lists_when_due(sender: Any = None, **kwargs: Any) -> None:
    if "trusted-list-sync-if-due" not in (app.conf.beat_schedule or {}):
        return  # TRUSTED_LIST_SYNC_ENABLED off: no schedule, no first sync either
    try:
        app.send_task("verification.trusted_list_sync_if_due", countdown=FIRST_SYNC_DELAY_SECONDS)
    except Exception:  # beat must start even when the broker is not there yet: the schedule asks again later
        log.warning("beat: the first trusted list sync could not be queued", exc_info=True)


@celeryd_after_setup.connect
def _warm_up(sender: Any = None, **kwargs: Any) -> None:
    """Load once, before the worker takes its first task (and before a prefork pool forks its processes, which
    inherit it), what every task would otherwise load on its first use: the URLconf, which imports every app's
    views, the REST framework and the API schema (0.45 s: every credential carries URLs)."""
    from django.urls import get_resolver  # Django is set up by then (Celery's Django fixup, at worker_init)

    get_resolver().url_patterns  # noqa: B018 - the property imports the URL modules


@task_prerun.connect
def _database_as_for_a_request(sender: Any = None, **kwargs: Any) -> None:
    """Before each task, what Django does before each request: a connection that failed, that is older than
    ``CONN_MAX_AGE`` or (``CONN_HEALTH_CHECKS``) that no longer answers is closed, and the task opens a new one.
    The connection itself is reused across tasks (``CELERY_DB_REUSE_MAX``)."""
    from django.db import close_old_connections

    close_old_connections()
