"""Rate limiting that costs one cache increment per request.

DRF's ``ScopedRateThrottle`` keeps, per client, the list of its request times: every request reads, trims, pickles
and writes that whole list back (thousands of entries for a busy client — milliseconds of CPU each time), and two
workers answering the same client at once can both read the old list (the limit leaks under load). This one
counts requests in fixed windows of the rate's duration with an atomic ``incr`` (Redis in production): constant
cost, exact under concurrency. A client may send up to twice its rate across a window boundary, which is what
fixed windows trade for that.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

View = Callable[..., HttpResponse]


def client_address(request: Request | HttpRequest) -> str:
    """Who a client is, for every rate limit and lockout (API, pages, sign-in, allauth's own limits): the socket
    address, or with ``NUM_PROXIES`` trusted proxies in front the ``X-Forwarded-For`` entry the nearest of them
    added (what DRF's throttles read). Never the whole header: its leftmost entries are the client's to forge."""
    return str(BaseThrottle().get_ident(request) or "")  # type: ignore[arg-type]  # reads .headers and .META only


class WindowedScopedThrottle(ScopedRateThrottle):
    """Same settings as ``ScopedRateThrottle`` (``DEFAULT_THROTTLE_RATES[scope]``, e.g. ``"600/min"``), and the same
    client identity (socket address, or ``NUM_PROXIES`` trusted proxies' ``X-Forwarded-For``)."""

    cache_format = "throttle_%(scope)s_%(ident)s"
    _retry_after: float | None = None

    def get_ident(self, request: Request | HttpRequest) -> str:
        return client_address(request)

    def allow_request(self, request: Request | HttpRequest, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return True
        self.num_requests, self.duration = limit, duration
        ident = self.get_cache_key(request, view)  # type: ignore[arg-type]  # reads .user and .META only
        if ident is None:
            return True
        now = self.timer()
        window = int(now // duration)
        key = f"{ident}:{window}"
        self.cache.add(key, 0, timeout=duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.set(key, 1, timeout=duration + 1)
            count = 1
        if count > limit:
            self._retry_after = (window + 1) * duration - now
            return False
        return True

    def wait(self) -> float | None:
        return self._retry_after


def wait_for(request: HttpRequest, scope: str) -> float | None:
    """Count one request of ``scope`` for this client: ``None`` when allowed, else the seconds to wait (≥ 1)."""
    throttle = WindowedScopedThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):  # type: ignore[arg-type]
        return None
    return max(1.0, throttle.wait() or 1.0)


def minutes_to_wait(seconds: float) -> int:
    """A wait as people are told it: whole minutes, at least one."""
    return max(1, math.ceil(seconds / 60))


def throttled(request: HttpRequest, scope: str) -> HttpResponse | None:
    """Count one request of ``scope`` for this client: ``None`` when allowed, else the friendly 429 page (with
    ``Retry-After``). For work a view does only sometimes (a render the cache did not spare)."""
    wait = wait_for(request, scope)
    if wait is None:
        return None
    seconds = math.ceil(wait)
    response = render(request, "errors/429.html", {"seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[[View], View]:
    """The same per-client limit for a plain Django view (the verification page runs the API's work): requests of
    ``methods`` beyond the rate get a friendly 429 page with ``Retry-After``, and the view does not run."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = throttled(request, scope) if request.method in methods else None
            return refused if refused is not None else view(request, *args, **kwargs)

        return wrapped

    return decorate
