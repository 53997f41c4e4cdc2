"""Fetch a public document (a status list published elsewhere) without becoming a proxy into our network.

- http(s) only, default ports or any port on a public address; no credentials in the URL;
- the host name is resolved once, every address must be public (no loopback, private, link-local, reserved,
  multicast or unspecified address, nor an IPv6 address that carries an internal IPv4 one: see ``is_public``), and
  the connection goes to that very address (no DNS rebinding between the check and the request; TLS still checks
  the certificate against the host name);
- no redirects followed blindly: each hop is checked again, at most ``MAX_REDIRECTS``;
- short timeouts, a size cap read in chunks.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

MAX_REDIRECTS = 3


class FetchError(Exception):
    """The document could not be fetched; ``reason`` is a short code, the message a sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes
    content_type: str


# IPv6 transition formats that carry an IPv4 address a router or the kernel may deliver to (RFC 6052, 3056, 4291,
# 2765, 4380, 5214). Python's ``is_global`` judges the IPv6 address only: ``64:ff9b::7f00:1`` (NAT64 of 127.0.0.1),
# ``2002:7f00:1::`` (6to4) and ``::7f00:1`` (IPv4-compatible) all count as global there.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
_NEVER_PUBLIC = (
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # RFC 8215 local-use NAT64 prefix: never globally reachable
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated, RFC 4291), with :: and ::1
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT, RFC 2765)
    ipaddress.IPv6Network(
        "2001::/32"
    ),  # Teredo (RFC 4380): a tunnel through whatever NAT the client sits behind
)
_ISATAP_IDENTIFIERS = (0x0000_5EFE, 0x0200_5EFE)  # RFC 5214: interface identifier [02]00:5efe:a.b.c.d


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries in a transition format we know of."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:  # 2002:AABB:CCDD::/48
        found.append(ip.sixtofour)
    if ip.teredo is not None:  # 2001:0:server:flags:port:~client
        found.extend(ip.teredo)
    value = int(ip)
    if ip in _NAT64_WELL_KNOWN or any(ip in network for network in _NEVER_PUBLIC):
        found.append(ipaddress.IPv4Address(value & 0xFFFF_FFFF))
    if (value >> 32) & 0xFFFF_FFFF in _ISATAP_IDENTIFIERS:  # ISATAP under any prefix
        found.append(ipaddress.IPv4Address(value & 0xFFFF_FFFF))
    return found


def _public_ipv4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public(address: str) -> bool:
    """Whether ``address`` is one the fetcher may connect to: a global unicast address that is not, and does not
    carry, an internal IPv4 address. IPv4-mapped addresses are judged by their IPv4 address; 6to4 and the
    well-known NAT64 prefix by the IPv4 address they embed (public embedded addresses stay reachable); ISATAP
    interface identifiers by theirs; the local-use NAT64 prefix, IPv4-compatible, IPv4-translated and Teredo
    addresses never (no public server is reached that way, and what they lead to depends on tunnels we cannot
    see). Prefixes only an operator knows (6rd, network-specific NAT64 prefixes) cannot be recognised here: keep
    such gateways away from the web servers, or firewall their outbound traffic."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return _public_ipv4(ip)
    if ip.ipv4_mapped is not None:
        return _public_ipv4(ip.ipv4_mapped)
    if any(ip in network for network in _NEVER_PUBLIC):
        return False
    if not ip.is_global or ip.is_multicast:
        return False
    return all(_public_ipv4(embedded) for embedded in _embedded_ipv4(ip))


def resolve_public(host: str, port: int) -> str:
    """One public address of ``host``; refuses when any address it resolves to is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError("dns", f"The host {host!r} cannot be resolved.") from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError("dns", f"The host {host!r} has no address.")
    allow_private = bool(getattr(settings, "FETCH_ALLOW_PRIVATE_ADDRESSES", False))
    if not allow_private and not all(is_public(address) for address in addresses):
        raise FetchError("forbidden_address", "The address is internal: it is not fetched.")
    return addresses[0]


DEFAULT_ACCEPT = "application/json, application/vc+ld+json, */*;q=0.5"


def _one(
    url: str, *, timeout: float, max_bytes: int, accept: str = DEFAULT_ACCEPT
) -> tuple[int, Mapping[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("scheme", "Only http and https addresses are fetched.")
    if parts.username or parts.password or not parts.hostname:
        raise FetchError("url", "The address is not a plain public URL.")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(host, port)
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False,
            maxsize=1,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            address, port, timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False, maxsize=1
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    try:
        response = pool.urlopen(
            "GET",
            path,
            headers={"Host": host_header, "Accept": accept},
            redirect=False,
            preload_content=False,
            decode_content=True,
        )
        try:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError("too_large", "The document is larger than allowed.")
            body = bytearray()
            for chunk in response.stream(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError("too_large", "The document is larger than allowed.")
            return response.status, response.headers, bytes(body)
        finally:
            response.release_conn()
    except urllib3.exceptions.TimeoutError as error:
        raise FetchError("timeout", "The server did not answer in time.") from error
    except urllib3.exceptions.HTTPError as error:
        raise FetchError("unreachable", "The server cannot be reached.") from error
    finally:
        pool.close()


def fetch_public(
    url: str, *, timeout: float | None = None, max_bytes: int | None = None, accept: str = DEFAULT_ACCEPT
) -> Fetched:
    timeout = timeout if timeout is not None else float(getattr(settings, "FETCH_TIMEOUT_SECONDS", 3.0))
    max_bytes = max_bytes if max_bytes is not None else int(getattr(settings, "FETCH_MAX_BYTES", 1024 * 1024))
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        status, headers, body = _one(current, timeout=timeout, max_bytes=max_bytes, accept=accept)
        if status in (301, 302, 303, 307, 308) and headers.get("Location"):
            current = urljoin(current, headers["Location"])
            continue
        if status != 200:
            raise FetchError("http_status", f"The server answered HTTP {status}.")
        return Fetched(current, body, headers.get("Content-Type", ""))
    raise FetchError("redirects", "Too many redirects.")
