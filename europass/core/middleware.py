"""Security headers not covered by Django's SecurityMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DOCS_PATH = "/api/docs"


class ContentSecurityPolicyMiddleware:
    """The policy on every page but the admin's. The API docs (Swagger UI, served from our own static files, its
    start-up script a separate file) keep every rule except that their template's inline ``<style>`` may apply."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.docs_policy = self.policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and not request.path.startswith("/admin/"):
            policy = self.docs_policy if request.path.startswith(DOCS_PATH) else self.policy
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
