"""Shared by the verification tests: the demo register, a trusted demo PKI, a status list of this portal, sealed
credentials of ours, the Commission's samples, and a real local HTTP server publishing a status list."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from europass.credentials.example import example_credential
from europass.credentials.model import CredentialStatus
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer

SITE = "http://127.0.0.1:8000"
INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop" / "edci-xml"
ANF_SAMPLE = "EDC_DiplomaSupplement_AA.xml"
HALCOM_SAMPLE = "edci_credential_basic.xml"
Make = Callable[..., bytes]


@pytest.fixture(autouse=True)
def _verification_settings(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    settings.SITE_URL = SITE
    settings.FETCH_TIMEOUT_SECONDS = 0.5
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    from django.core.cache import cache

    cache.clear()  # trust version, register version, fetched status lists, kept reports


@pytest.fixture(scope="session")
def pki() -> DemoPKI:
    return make_demo_pki(org_name="Demo University", org_identifier="VATFR-12345678901", key_type="ec")


def anchor_pem(pki: DemoPKI) -> bytes:
    return pki.anchor_cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def register(db: None, pki: DemoPKI) -> Any:
    """The demo awarding body and qualifications in the register, and the demo PKI's root as a qualified anchor."""
    from europass.registry.demo import setup_registry
    from europass.registry.services import trust_anchor_add

    organisation = setup_registry()
    trust_anchor_add(pem=anchor_pem(pki), name="Test demo anchor", qualified_for_seals=True)
    return organisation


@pytest.fixture
def allocation(register: Any) -> Any:
    from europass.status.services import status_allocate

    return status_allocate(organisation=register, count=20)[0]


@pytest.fixture
def make(pki: DemoPKI) -> Make:
    sealer = Sealer(pki.seal)

    def seal(**overrides: Any) -> bytes:
        return sealer.seal(example_credential(site=SITE, **overrides).to_xml())

    return seal


@pytest.fixture
def make_for(pki: DemoPKI) -> Callable[..., bytes]:
    """Seal with another organisation's certificate under the same trusted demo anchor."""
    from europass.sealing.demo import issue_certificate, new_key, seal_subject
    from europass.sealing.keys import SealKey

    def seal(*, org_name: str, org_identifier: str | None, country: str = "BE", **overrides: Any) -> bytes:
        key = new_key("ec")
        subject = seal_subject(org_name, org_identifier or "", country)
        if org_identifier is None:  # a certificate without an organisation identifier
            subject = x509.Name([a for a in subject if a.oid.dotted_string != "2.5.4.97"])
        cert = issue_certificate(pki.anchor_cert, pki.anchor_key, subject, key=key)
        return Sealer(SealKey(key, cert, ())).seal(example_credential(site=SITE, **overrides).to_xml())

    return seal


@pytest.fixture
def ours(make: Make, allocation: Any) -> bytes:
    """A credential of ours: demo body, registered qualification, entry 0 of our status list."""
    return make(status=CredentialStatus(url=allocation.status_list.url, index=allocation.start))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``credential_verify`` with these arguments: (exit status, stdout, stderr)."""
    from django.core.management import call_command

    try:
        call_command("credential_verify", *args)
    except SystemExit as exit:
        code = int(exit.code or 0)
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def sample(name: str) -> bytes:
    return (INTEROP / name).read_bytes()


def own_root_pem(name: str) -> bytes:
    """The self-signed root CA the Commission's sample carries in its signature."""
    root = etree.fromstring(sample(name))
    for tag in (
        "{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedX509Certificate",
        "{http://www.w3.org/2000/09/xmldsig#}X509Certificate",
    ):
        for element in root.iter(tag):
            der = base64.b64decode("".join((element.text or "").split()))
            try:
                cert = x509.load_der_x509_certificate(der)
            except ValueError:
                continue
            if cert.subject == cert.issuer:
                return cert.public_bytes(serialization.Encoding.PEM)
    raise AssertionError(f"no self-signed root in {name}")


def timestamp_root_pem(name: str) -> bytes:
    """The self-signed root of the time-stamping authority whose token proves the sample's sealing time (a
    time-stamp proves a time only when its authority is trusted)."""
    from asn1crypto import cms

    root = etree.fromstring(sample(name))
    token = next(root.iter("{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedTimeStamp"))
    signed = cms.ContentInfo.load(base64.b64decode("".join((token.text or "").split())))["content"]
    for certificate in signed["certificates"]:
        cert = x509.load_der_x509_certificate(certificate.chosen.dump())
        if cert.subject == cert.issuer:
            return cert.public_bytes(serialization.Encoding.PEM)
    raise AssertionError(f"no time-stamping root in {name}")


def encoded_list(revoked: set[int], size: int = 16 * 1024) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).rstrip(b"=").decode()


@dataclass
class StatusServer:
    """A real HTTP server on 127.0.0.1 publishing a W3C Bitstring Status List; counts what it is asked."""

    port: int = 0
    revoked: set[int] = field(default_factory=set)
    delay: float = 0.0
    body: bytes | None = None
    requests: int = 0
    signer: Any = None  # a SealKey: the list is then served signed (application/vc+jwt) to who asks for it
    accept: str = ""  # what the last request asked for

    def signed(self) -> bytes:
        import jwt

        from europass.status.signing import algorithm_for

        key = self.signer
        x5c = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in (key.certificate, *key.chain)
        ]
        payload = json.loads(self.document())
        token = jwt.encode(
            payload, key.private_key, algorithm=algorithm_for(key.private_key), headers={"x5c": x5c}
        )
        return token.encode()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/status/list-1"

    def document(self) -> bytes:
        if self.body is not None:
            return self.body
        return json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "credentialSubject": {
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": encoded_list(self.revoked),
                },
            }
        ).encode()


@pytest.fixture
def status_server() -> Iterator[StatusServer]:
    state = StatusServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            state.accept = self.headers.get("Accept", "")
            if state.delay:
                time.sleep(state.delay)
            signed = state.signer is not None and "application/vc+jwt" in state.accept
            body = state.signed() if signed else state.document()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/vc+jwt" if signed else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def past(days: int = 30) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=days)
