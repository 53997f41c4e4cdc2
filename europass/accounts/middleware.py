"""What the sign-in throttle decided during a request, written onto its response."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .throttling import DEVICE_COOKIE, DEVICE_MAX_AGE


class LoginThrottleMiddleware:
    """A sign-in refused by a lockout is a 429 with ``Retry-After`` (the page still shows the form and the
    sentence); a successful sign-in sets the device cookie (``europass.accounts.throttling``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        wait = getattr(request, "_login_retry_after", None)
        if wait:
            if response.status_code == 200:
                response.status_code = 429
            response["Retry-After"] = str(max(1, math.ceil(wait)))
        device = getattr(request, "_login_device_cookie", None)
        if device:
            response.set_cookie(
                DEVICE_COOKIE,
                device,
                max_age=DEVICE_MAX_AGE,
                httponly=True,
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
                samesite="Lax",
            )
        return response
