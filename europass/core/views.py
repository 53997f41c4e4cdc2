"""Home page, health check and error pages."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import TrustedListsHealth, queue_health, trusted_lists_health

log = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:  # health must answer, whatever the failure
        log.warning("health: database check failed", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database, asked each time (one ``SELECT 1``); the broker and workers as last asked by any process, at most
    ``HEALTH_PING_SECONDS`` ago (``europass.core.health``): fast, and never one ping per request; the last
    successful sync of the EU trusted lists (its absence fails only once the first sync has had time to run)."""
    database = _database_ok()
    queue = queue_health()
    trusted = trusted_lists_health() if database else TrustedListsHealth("unknown")
    healthy = database and bool(queue.broker) and queue.workers > 0 and trusted.healthy
    body = {
        "database": "ok" if database else "down",
        "broker": {True: "ok", False: "down", None: "unknown"}[queue.broker],
        "workers": queue.workers,
        "trusted_lists": trusted.to_json(),
    }
    return JsonResponse(body, status=200 if healthy else 503)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processor may touch a database that may be the cause.
    return HttpResponse(render_to_string("errors/500.html"), status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)
