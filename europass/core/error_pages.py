"""The site's own error pages in development mode too.

With ``DEBUG`` on, Django answers a missing page or a failing view with its technical pages (the URL patterns
tried, the traceback and the settings), whoever asks. In development (``make run``) the portal answers as in
production instead: the handlers of ``europass.urls`` (``templates/errors/404.html``, ``500.html``...), the
traceback going to the console. ``DEBUG_TECHNICAL_ERRORS=true`` brings Django's technical pages back for the
developer who wants them. With ``DEBUG`` off this middleware does nothing: Django uses the same handlers itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.handlers.exception import get_exception_response
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf, resolve
from django.utils.log import log_response


def site_error_pages() -> bool:
    """Whether this middleware answers errors: development mode, unless Django's technical pages are asked for."""
    return bool(settings.DEBUG) and not getattr(settings, "DEBUG_TECHNICAL_ERRORS", False)


class SiteErrorPagesMiddleware:
    """Placed last, inside ``CommonMiddleware`` (so that ``APPEND_SLASH`` still redirects ``/issuing`` to
    ``/issuing/``) and after authentication (so that the error page shows who is signed in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if site_error_pages():
            # An address no pattern matches never reaches a view (nor process_exception): Django would answer it
            # with its technical 404 before any middleware could step in.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return self._handled(request, 404, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not site_error_pages() or isinstance(exception, PermissionDenied):
            return None  # Django serves the 403 handler itself, DEBUG or not
        if isinstance(exception, Http404):
            return self._handled(request, 404, exception)
        if isinstance(exception, SuspiciousOperation):
            logging.getLogger(f"django.security.{exception.__class__.__name__}").error(str(exception))
            return self._handled(request, 400, exception)
        if isinstance(exception, BadRequest):
            return self._handled(request, 400, exception)
        # What production does with an uncaught exception: the signal (the test client re-raises from it), the
        # traceback in the log, the 500 handler.
        signals.got_request_exception.send(sender=None, request=request)
        response = get_resolver(get_urlconf()).resolve_error_handler(500)(request)
        log_response(
            "Internal Server Error: %s (the site's 500 page was shown; DEBUG_TECHNICAL_ERRORS=true shows Django's)",
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response

    @staticmethod
    def _handled(request: HttpRequest, status: int, exception: Exception) -> HttpResponse:
        return get_exception_response(request, get_resolver(get_urlconf()), status, exception)
