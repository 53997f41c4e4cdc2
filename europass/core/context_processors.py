from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_url": settings.SITE_URL,
        "is_issuer_staff": bool(user and user.is_authenticated and user.memberships.exists()),
    }
