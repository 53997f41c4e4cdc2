"""A CSC API v2 remote signing service for the tests only, over a software key: OAuth2 client credentials, a
credential whose certificate chain it gives, authorisation (SCAL1: a number of signatures; SCAL2: bound to the hashes
and a PIN), signatures of many hashes per call up to its ``multisign``, single-use activation data, and switches to
fail: down, expire the authorisation, refuse the client. It counts every call."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

HASHES = {"2.16.840.1.101.3.4.2.1": hashes.SHA256, "2.16.840.1.101.3.4.2.2": hashes.SHA384}


@dataclass
class Service:
    key: Any
    chain: list[x509.Certificate]
    client_id: str = "europass-portal"
    client_secret: str = "s3cret-client-value"
    credential_id: str = "seal-credential-1"
    scal: str = "1"
    pin: str = ""
    multisign: int = 100
    otp: str | None = None  # the one-time password a person would read from their device, once
    calls: Counter[str] = field(default_factory=Counter)
    hashes_signed: int = 0
    down: bool = False
    expire_next_sad: bool = False
    tokens: set[str] = field(default_factory=set)
    sads: dict[str, tuple[int, frozenset[str] | None]] = field(default_factory=dict)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/csc/v2"

    def start(self) -> Service:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                endpoint = self.path.removeprefix("/csc/v2/")
                service.calls[endpoint] += 1
                if service.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, data = service.handle(endpoint, body, self.headers.get("Authorization", ""))
                self._answer(status, data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, endpoint: str, body: bytes, authorization: str) -> tuple[int, dict[str, Any]]:
        if endpoint == "oauth2/token":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            if form.get("grant_type") != "client_credentials" or (
                form.get("client_id"),
                form.get("client_secret"),
            ) != (self.client_id, self.client_secret):
                return 401, {"error": "invalid_client", "error_description": "Unknown client or wrong secret"}
            token = secrets.token_urlsafe(16)
            self.tokens.add(token)
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        if authorization.removeprefix("Bearer ") not in self.tokens:
            return 401, {"error": "invalid_token", "error_description": "The access token is not valid"}
        request = json.loads(body or b"{}")
        if endpoint == "credentials/list":
            return 200, {"credentialIDs": [self.credential_id]}
        if request.get("credentialID") != self.credential_id:
            return 400, {"error": "invalid_request", "error_description": "Invalid parameter credentialID"}
        if endpoint == "credentials/info":
            is_ec = isinstance(self.key, ec.EllipticCurvePrivateKey)
            return 200, {
                "key": {
                    "status": "enabled",
                    "algo": ["1.2.840.10045.4.3.2" if is_ec else "1.2.840.113549.1.1.11"],
                },
                "cert": {
                    "status": "valid",
                    "certificates": [
                        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                        for c in self.chain
                    ],
                },
                "authMode": "explicit",
                "SCAL": self.scal,
                "multisign": self.multisign,
            }
        if endpoint == "credentials/authorize":
            count = int(request.get("numSignatures", 0))
            if not 0 < count <= self.multisign:
                return 400, {
                    "error": "invalid_request",
                    "error_description": "Invalid parameter numSignatures",
                }
            if self.pin and request.get("PIN") != self.pin:
                return 400, {"error": "invalid_pin", "error_description": "The PIN is not valid"}
            if self.otp is not None:
                if request.get("OTP") != self.otp:
                    return 400, {"error": "invalid_otp", "error_description": "The OTP is not valid"}
                self.otp = None  # one time
                count = int(request.get("numSignatures", 0))
                sad = secrets.token_urlsafe(16)
                self.sads[sad] = (count, None)
                return 200, {"SAD": sad, "expiresIn": 300}
            bound = frozenset(request.get("hashes") or []) if self.scal == "2" else None
            if self.scal == "2" and (not bound or len(request["hashes"]) != count):
                return 400, {"error": "invalid_request", "error_description": "SCAL2 needs the hashes"}
            sad = secrets.token_urlsafe(16)
            self.sads[sad] = (count, bound)
            return 200, {"SAD": sad, "expiresIn": 300}
        if endpoint == "signatures/signHash":
            sad = request.get("SAD", "")
            if self.expire_next_sad:
                self.expire_next_sad = False
                self.sads.pop(sad, None)
            granted = self.sads.get(sad)
            items = request.get("hashes") or []
            if granted is None:
                return 400, {
                    "error": "invalid_request",
                    "error_description": "Invalid parameter SAD (expired)",
                }
            count, bound = granted
            if len(items) > self.multisign or len(items) > count:
                return 400, {
                    "error": "invalid_request",
                    "error_description": "Invalid parameter SAD (used up)",
                }
            if bound is not None and not set(items) <= bound:
                return 400, {
                    "error": "invalid_request",
                    "error_description": "Hashes not authorised by the SAD",
                }
            if count - len(items):  # valid for as many signatures as authorised, then gone
                self.sads[sad] = (count - len(items), bound)
            else:
                del self.sads[sad]
            algorithm = HASHES[request.get("hashAlgorithmOID", "")]()
            signatures = []
            for item in items:
                digest = base64.b64decode(item)
                if isinstance(self.key, rsa.RSAPrivateKey):
                    value = self.key.sign(digest, padding.PKCS1v15(), Prehashed(algorithm))
                else:
                    value = self.key.sign(digest, ec.ECDSA(Prehashed(algorithm)))
                signatures.append(base64.b64encode(value).decode())
            self.hashes_signed += len(items)
            return 200, {"signatures": signatures}
        return 404, {"error": "invalid_request", "error_description": f"Unknown endpoint {endpoint}"}
