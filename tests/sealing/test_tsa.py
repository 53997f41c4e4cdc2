"""The demo time-stamping authority (europass.sealing.tsa) over real HTTP: our client gets tokens that verify, bad
requests are refused without a crash, and demo seals made with it are B-T with a proven time."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from europass.sealing.demo import DemoPKI, make_tsa_certificate
from europass.sealing.errors import SealingError
from europass.sealing.jades import verify_jades
from europass.sealing.jades_seal import JadesSealer
from europass.sealing.seal import Sealer
from europass.sealing.timestamp import TimeStamper, TimeStampReply, verify_timestamp_token
from europass.sealing.trust import TrustStore
from europass.sealing.tsa import TimeStampAuthority, server
from europass.sealing.verify import verify


@pytest.fixture(scope="module")
def tsa_url(pki: DemoPKI) -> Iterator[str]:
    issued = make_tsa_certificate(pki.anchor_cert, pki.anchor_key)
    http = server(TimeStampAuthority(issued.private_key, issued.certificate), port=0)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_address[1]}/"
    http.shutdown()
    http.server_close()


def _post(url: str, body: bytes, content_type: str = "application/timestamp-query") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_demo_authority_answers_a_real_request_with_a_token_over_the_data(tsa_url: str) -> None:
    token = TimeStamper(tsa_url).timestamp(b"the signature value")
    info = verify_timestamp_token(token, b"the signature value")
    assert info.ok and info.gen_time is not None
    assert not verify_timestamp_token(token, b"other data").hash_ok


def test_a_malformed_request_gets_a_rejection_and_other_requests_a_plain_error(tsa_url: str) -> None:
    status, body = _post(tsa_url, b"\x30\x03not-asn1")
    assert status == 200 and TimeStampReply.load(body)["status"]["status"].native == "rejection"
    assert _post(tsa_url, b"x", content_type="text/plain")[0] == 415
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tsa_url, timeout=5)
    assert refused.value.code == 405


def test_a_rejection_by_the_authority_makes_sealing_fail_with_a_clear_error(
    pki: DemoPKI, tsa_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from europass.sealing import tsa

    monkeypatch.setattr(tsa.TimeStampAuthority, "token_for", lambda self, request: 1 / 0)
    with pytest.raises(SealingError) as failed:
        JadesSealer(pki.seal, timestamper=TimeStamper(tsa_url)).seal("{}")
    assert failed.value.code == "tsa_refused"


def test_an_unreachable_authority_makes_sealing_fail_with_a_clear_error(pki: DemoPKI) -> None:
    with pytest.raises(SealingError) as failed:
        JadesSealer(pki.seal, timestamper=TimeStamper("http://127.0.0.1:9/", timeout=1)).seal("{}")
    assert failed.value.code == "tsa_unreachable"


def test_seals_made_with_the_demo_authority_prove_their_time_in_both_formats(
    pki: DemoPKI, tsa_url: str, trust: TrustStore, sealed: bytes
) -> None:
    from europass.credentials.edc3 import edc3_payload, to_edc3
    from europass.credentials.example import example_credential

    credential = example_credential()
    stamper = TimeStamper(tsa_url)
    edc3 = JadesSealer(pki.seal, timestamper=stamper).seal(edc3_payload(to_edc3(credential)))
    assert verify_jades(edc3).evidence.time_source == "timestamp"
    xml = Sealer(pki.seal, timestamper=stamper).seal(credential.to_xml())
    for document in (edc3, xml):
        report = verify(document, trust)
        assert report.seal is not None and report.seal.time_source == "timestamp", report.seal


def test_a_xades_b_lt_seal_carries_the_collected_values_and_verifies_with_us_and_xmlsec1(
    pki: DemoPKI, tsa_url: str, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding
    from lxml import etree

    from europass.credentials.example import example_credential
    from europass.sealing.jades_seal import ValidationValues
    from europass.sealing.xades import verify_xades

    from .test_seal_and_verify import _xmlsec1

    anchor_der = pki.anchor_cert.public_bytes(Encoding.DER)
    collected: list[int] = []

    def collect(key: object) -> ValidationValues:
        collected.append(1)
        return ValidationValues(certificates=[anchor_der])

    sealer = Sealer(pki.seal, timestamper=TimeStamper(tsa_url), validation=collect)
    for _ in range(2):
        document = sealer.seal(example_credential().to_xml())
    assert len(collected) == 1
    root = etree.fromstring(document)
    evidence = verify_xades(root, root)
    assert anchor_der in evidence.certificates and evidence.time_source == "timestamp"
    path, anchor = tmp_path / "sealed.xml", tmp_path / "anchor.pem"
    path.write_bytes(document)
    anchor.write_bytes(pki.anchor_cert.public_bytes(Encoding.PEM))
    assert _xmlsec1(path, anchor).returncode == 0


def test_a_time_stamp_is_obtained_from_code_that_already_runs_an_event_loop(tsa_url: str) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def inside_a_loop() -> bytes:
        return TimeStamper(tsa_url).timestamp(b"signature value")

    # A thread of its own, whose event loop runs while the time-stamp is asked (the test runner's thread may run one).
    with ThreadPoolExecutor(max_workers=1) as pool:
        token = pool.submit(asyncio.run, inside_a_loop()).result()
    assert verify_timestamp_token(token, b"signature value").ok
