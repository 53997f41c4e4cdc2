"""IPv6 addresses that carry an internal IPv4 address (6to4, NAT64, IPv4-mapped, IPv4-compatible, Teredo, ISATAP)
are internal addresses too: the fetcher refuses them before any connection."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from verification import fetch
from verification.fetch import FetchError, fetch_public, is_public

INTERNAL_BEHIND_TRANSITION = [
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254 (cloud metadata)
    "2002:c0a8:101:1::1",  # 6to4 of 192.168.1.1
    "64:ff9b::7f00:1",  # NAT64 (well-known prefix) of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::6440:1",  # NAT64 of 100.64.0.1 (carrier-grade NAT)
    "64:ff9b:1::a00:1",  # local-use NAT64 prefix
    "64:ff9b:1:ffff::808:808",  # local-use NAT64 prefix, even with a public IPv4 inside
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:a9fe:a9fe",  # IPv4-mapped metadata address
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "::a00:1",  # IPv4-compatible of 10.0.0.1
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:0:7f00:1::1",  # Teredo with a loopback server
    "2a00:1450::200:5efe:a00:1",  # ISATAP interface identifier carrying 10.0.0.1, global prefix
    "2a00:1450::5efe:7f00:1",  # ISATAP (local identifier) carrying 127.0.0.1
]


@pytest.mark.parametrize("address", INTERNAL_BEHIND_TRANSITION)
def test_an_ipv6_address_carrying_an_internal_ipv4_address_is_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "2a00:1450:4007:80e::200e",  # an ordinary global IPv6 address
        "2002:808:808::1",  # 6to4 of a public address
        "64:ff9b::808:808",  # NAT64 of a public address: how an IPv6-only network reaches the IPv4 internet
        "2a00:1450::200:5efe:808:808",  # ISATAP carrying a public address
    ],
)
def test_a_public_address_stays_public_even_in_a_transition_format(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
    ],
)
def test_plain_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", INTERNAL_BEHIND_TRANSITION)
def test_a_host_resolving_to_a_transition_address_is_refused_before_any_connection(
    address: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]

    def no_connection(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(fetch.urllib3, "HTTPConnectionPool", no_connection)
    monkeypatch.setattr(fetch.urllib3, "HTTPSConnectionPool", no_connection)
    with pytest.raises(FetchError) as error:
        fetch_public("https://status.example.org/list")
    assert error.value.reason == "forbidden_address"


def test_an_ipv6_literal_carrying_loopback_in_the_url_is_refused(settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(FetchError) as error:
        fetch_public("http://[64:ff9b::7f00:1]:8000/status")
    assert error.value.reason == "forbidden_address"
