"""Fetch a public document (a status list published elsewhere) without becoming a proxy into our network.

- http(s) only, default ports or any port on a public address; no credentials in the URL;
- the host name is resolved once, every address must be public (no loopback, private, link-local, reserved,
  multicast or unspecified address), and the connection goes to that very address (no DNS rebinding between the
  check and the request; TLS still checks the certificate against the host name);
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


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


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
    if not allow_private and not all(_public(address) for address in addresses):
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
