"""The one family of errors a user can cause, mapped once to HTTP statuses.

Services raise these with a message a person understands; views and the API turn them into 400/403/404/409
responses. Never put a stack trace, key material or SQL in a message.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A problem the user can fix (HTTP 400 unless a subclass says otherwise)."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "forbidden"


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class Gone(ApplicationError):
    status_code = 410
    code = "gone"


def error_text(exc: Exception) -> str:
    """A person's sentence from an exception carrying ``messages`` (a ``{"en", "fr"}`` dict or a list), in the
    active language."""
    messages = getattr(exc, "messages", None)
    if isinstance(messages, dict):
        from django.utils.translation import get_language

        lang = (get_language() or "en").split("-")[0]
        return str(messages.get(lang) or messages.get("en") or exc)
    if isinstance(messages, list | tuple) and messages:
        return "; ".join(str(m) for m in messages)
    return str(exc)
