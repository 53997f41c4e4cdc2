"""The Celery application: Redis in production, an embedded filesystem broker by default."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "europass.settings")

app = Celery("europass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
