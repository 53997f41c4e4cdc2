"""Links of this portal that lead to a credential (a wallet's share link, for instance).

The verifier does not know the apps that publish such links: each registers a resolver at start-up (``ready()``),
so that pasting a share link on the verification page verifies the credential behind it without the verifier
importing the wallet (the dependency goes from the wallet to the verifier, never back).
"""

from __future__ import annotations

from collections.abc import Callable

Resolver = Callable[[str], bytes | None]
_resolvers: list[Resolver] = []


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
