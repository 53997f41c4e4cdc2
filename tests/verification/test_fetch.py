"""Fetching a document published elsewhere never reaches an internal address, follows few redirects, and stops
at a size cap and a timeout."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from verification.fetch import FetchError, fetch_public


@pytest.fixture
def server() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"requests": [], "routes": {}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["requests"].append(self.path)
            status, headers, body = state["routes"].get(self.path, (404, {}, b""))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["base"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "http://user:pw@example.org/x"],
)
def test_only_plain_http_and_https_urls_are_fetched(url: str, settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(FetchError):
        fetch_public(url)


def test_a_loopback_address_is_refused_before_any_request(server: dict[str, Any], settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    server["routes"]["/a"] = (200, {}, b"secret")
    with pytest.raises(FetchError) as error:
        fetch_public(server["base"] + "/a")
    assert error.value.reason == "forbidden_address" and server["requests"] == []


def test_a_public_document_is_fetched_when_the_address_is_allowed(
    server: dict[str, Any], settings: Any
) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    server["routes"]["/a"] = (200, {"Content-Type": "application/json"}, b'{"ok": true}')
    fetched = fetch_public(server["base"] + "/a")
    assert fetched.body == b'{"ok": true}' and fetched.content_type == "application/json"


def test_redirects_are_followed_three_times_at_most(server: dict[str, Any], settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    for i in range(5):
        server["routes"][f"/r{i}"] = (302, {"Location": f"/r{i + 1}"}, b"")
    server["routes"]["/r5"] = (200, {}, b"end")
    with pytest.raises(FetchError) as error:
        fetch_public(server["base"] + "/r0")
    assert error.value.reason == "redirects"
    server["routes"]["/s0"] = (302, {"Location": "/r5"}, b"")
    assert fetch_public(server["base"] + "/s0").body == b"end"


def test_each_redirect_is_checked_again(
    server: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public server redirecting to an internal address is refused at the second hop."""
    import verification.fetch as fetch

    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    server["routes"]["/go"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    real = fetch.resolve_public
    port = int(server["base"].rsplit(":", 1)[1])

    def resolve(host: str, p: int) -> str:
        if host == "public.example" and p == port:
            return "127.0.0.1"  # pretend the first server is public
        return real(host, p)

    monkeypatch.setattr(fetch, "resolve_public", resolve)
    with pytest.raises(FetchError) as error:
        fetch_public(f"http://public.example:{port}/go")
    assert error.value.reason == "forbidden_address"
    assert server["requests"] == ["/go"]


def test_a_document_over_the_size_cap_is_refused(server: dict[str, Any], settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    server["routes"]["/big"] = (200, {}, b"x" * 200_000)
    with pytest.raises(FetchError) as error:
        fetch_public(server["base"] + "/big", max_bytes=100_000)
    assert error.value.reason == "too_large"


def test_an_error_status_is_a_fetch_error(server: dict[str, Any], settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(FetchError) as error:
        fetch_public(server["base"] + "/missing")
    assert error.value.reason == "http_status"
