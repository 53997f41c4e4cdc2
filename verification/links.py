"""Links of this portal: which addresses are its own, and the credentials its links lead to (a wallet's share link).

An address is this portal's own when it is on ``SITE_URL`` or, in development (``DEBUG``), on the address the
current request came in on (``make run`` on another port, ``localhost`` for ``127.0.0.1``): such a link is resolved
here, by URL routing, and never fetched over the network (the guarded fetcher refuses this machine's addresses).

The verifier does not know the apps that publish links to credentials: each registers a resolver at start-up
(``ready()``), so that pasting a share link on the verification page verifies the credential behind it without the
verifier importing the wallet (the dependency goes from the wallet to the verifier, never back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

Resolver = Callable[[str], bytes | None]
_resolvers: list[Resolver] = []
_request_origin: ContextVar[tuple[str, str] | None] = ContextVar("verification_request_origin", default=None)


def register_link_resolver(resolver: Resolver) -> None:
    """``resolver(path)`` returns the credential XML behind one of this portal's paths, None when the path is not
    its kind of link, or raises an ``ApplicationError`` (unknown, expired, revoked link) with a message."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def xml_for_local_link(path: str) -> bytes | None:
    for resolver in _resolvers:
        xml = resolver(path)
        if xml is not None:
            return xml
    return None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@contextmanager
def requested_on(request: Any) -> Iterator[None]:
    """While verifying for ``request``: in development, the address it came in on counts as this portal's own."""
    origin = None
    if getattr(settings, "DEBUG", False) and request is not None:
        origin = (str(request.scheme).lower(), str(request.get_host()).lower())
    token = _request_origin.set(origin)
    try:
        yield
    finally:
        _request_origin.reset(token)


def own_origins() -> frozenset[tuple[str, str]]:
    """(scheme, host[:port]) of this portal's own addresses: ``SITE_URL``, and the request's in development."""
    origins = {_origin(settings.SITE_URL)}
    requested = _request_origin.get()
    if requested is not None:
        origins.add(requested)
    return frozenset(origins)


def own_path(url: str) -> str | None:
    """The path of ``url`` when it is an address of this portal (see ``own_origins``), else None."""
    if _origin(url) not in own_origins():
        return None
    return urlsplit(url).path or "/"
