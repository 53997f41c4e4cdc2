"""A revoked seal certificate makes a worthless seal: the verifier asks the certificate's authority (its CRL) when the
seal carries no revocation data, through the guarded fetcher, and says which it used. An authority that cannot be
reached is a warning, never a crash; an internal address is never asked."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from europass.credentials.example import example_credential
from europass.registry.services import trust_anchor_add
from europass.sealing.demo import make_anchor, new_key, seal_subject
from europass.sealing.keys import SealKey
from europass.sealing.report import CheckStatus
from europass.sealing.seal import Sealer
from tests.verification.conftest import SITE
from verification.services import verify_xml

pytestmark = pytest.mark.django_db


@dataclass
class Authority:
    port: int = 0
    crl: bytes = b""
    requests: int = 0
    up: bool = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ca.crl"


@pytest.fixture
def authority() -> Iterator[Authority]:
    state = Authority()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            if not state.up:
                self.send_response(503)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(state.crl)))
            self.end_headers()
            self.wfile.write(state.crl)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()


@dataclass
class Pki:
    anchor: x509.Certificate
    anchor_key: Any
    seal: SealKey


@pytest.fixture
def pki_with_crl(authority: Authority, register: Any) -> Pki:
    anchor, anchor_key = make_anchor(key_type="ec")
    key = new_key("ec")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(seal_subject("Demo University", "VATFR-12345678901", "FR"))
        .issuer_name(anchor.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=10))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(authority.url)], None, None, None)]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(anchor_key.public_key()), critical=False
        )
        .sign(anchor_key, hashes.SHA256())
    )
    trust_anchor_add(pem=anchor.public_bytes(serialization.Encoding.PEM), name="CRL test anchor")
    return Pki(anchor, anchor_key, SealKey(key, cert, ()))


def _crl(pki: Pki, *, revoked_at: dt.datetime | None) -> bytes:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.anchor.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.anchor_key.public_key()), critical=False
        )
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    if revoked_at is not None:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(pki.seal.certificate.serial_number)
            .revocation_date(revoked_at)
            .build()
        )
    return builder.sign(pki.anchor_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _sealed(pki: Pki) -> bytes:
    return Sealer(pki.seal).seal(example_credential(site=SITE).to_xml())


@pytest.fixture
def local_authority_allowed(settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True  # the test authority runs on this machine


def test_a_seal_made_after_its_certificate_was_revoked_fails(
    pki_with_crl: Pki, authority: Authority, local_authority_allowed: None
) -> None:
    authority.crl = _crl(pki_with_crl, revoked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    report = verify_xml(_sealed(pki_with_crl))
    check = report.check("certificate_trusted")
    assert check is not None and check.status == CheckStatus.FAILED, check
    assert "revoked" in check.message("en") and "révoqué" in check.message("fr")
    assert report.verdict == "failed"


def test_a_certificate_its_authority_lists_as_in_force_passes_and_the_report_says_it_asked(
    pki_with_crl: Pki, authority: Authority, local_authority_allowed: None
) -> None:
    authority.crl = _crl(pki_with_crl, revoked_at=None)
    xml = _sealed(pki_with_crl)
    report = verify_xml(xml)
    check = report.check("certificate_trusted")
    assert check is not None and check.status == CheckStatus.PASSED, check
    assert check.details["revocation"] == "fetched"
    assert "asked just now" in check.message("en")
    verify_xml(xml)
    assert authority.requests == 1  # cached


def test_an_unreachable_authority_is_a_warning_never_a_crash(
    pki_with_crl: Pki, authority: Authority, local_authority_allowed: None
) -> None:
    authority.up = False
    report = verify_xml(_sealed(pki_with_crl))
    check = report.check("certificate_trusted")
    assert check is not None and check.status == CheckStatus.WARNING, check
    assert check.details["revocation"] == "unavailable"
    assert "could not be checked" in check.message("en")
    assert report.verdict == "partially_verified"


def test_an_authority_on_an_internal_address_is_never_asked(pki_with_crl: Pki, authority: Authority) -> None:
    authority.crl = _crl(pki_with_crl, revoked_at=None)
    report = verify_xml(
        _sealed(pki_with_crl)
    )  # FETCH_ALLOW_PRIVATE_ADDRESSES is off in the verification tests
    assert authority.requests == 0
    check = report.check("certificate_trusted")
    assert check is not None and check.details["revocation"] == "unavailable"


def test_a_certificate_without_revocation_service_says_so(ours: bytes) -> None:
    check = verify_xml(ours).check("certificate_trusted")
    assert check is not None and check.status == CheckStatus.PASSED
    assert check.details["revocation"] == "none_published"
