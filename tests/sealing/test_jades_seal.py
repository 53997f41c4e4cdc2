"""Our JAdES sealer (europass.sealing.jades_seal): known answers, every level verifying with our verifier and with
plain jwcrypto (the interop README's recipe, independent of our code), and one changed byte failing."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwk, jws
from jwcrypto.common import JWSEHeaderParameter

from europass.credentials.edc3 import edc3_payload, to_edc3
from europass.credentials.example import example_credential
from europass.sealing.demo import DemoPKI, issue_certificate, make_demo_pki, seal_subject
from europass.sealing.evidence import SealRefused
from europass.sealing.jades import verify_jades
from europass.sealing.jades_seal import JadesSealer, ValidationValues
from europass.sealing.keys import SealKey
from europass.sealing.trust import TrustStore
from europass.sealing.verify import verify

from .jades_maker import TestTSA, der

JADES_HEADERS = {
    "sigT": JWSEHeaderParameter("Claimed signing time", True, True, None),
    "etsiU": JWSEHeaderParameter("ETSI unsigned properties", False, True, None),
}
AT = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)


class Stamper:
    """The sealer's time-stamper interface over the test TSA (in process, no network)."""

    def __init__(self, tsa: TestTSA) -> None:
        self.tsa = tsa
        self.calls = 0

    def timestamp(self, data: bytes) -> bytes:
        self.calls += 1
        return self.tsa.token(data)


@pytest.fixture(scope="module")
def tsa(pki: DemoPKI) -> TestTSA:
    return TestTSA.from_pki(pki)


@pytest.fixture(scope="module")
def payload() -> str:
    credential = example_credential(id="urn:uuid:00000000-0000-4000-8000-000000000042")
    return edc3_payload(to_edc3(credential, eidas_identifier="VATFR-12345678901"))


def jwcrypto_payload(document: bytes, pki: DemoPKI) -> bytes:
    token = jws.JWS(header_registry=JADES_HEADERS)
    token.deserialize(document.decode("utf-8"), jwk.JWK.from_pyca(pki.seal.certificate.public_key()))
    return token.payload if isinstance(token.payload, bytes) else token.payload.encode("utf-8")


def header_of(document: bytes) -> dict[str, Any]:
    protected = json.loads(document)["signatures"][0]["protected"]
    return dict(json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4))))


def test_a_b_b_seal_has_the_commission_header_and_is_a_known_answer_for_a_fixed_time(
    pki: DemoPKI, payload: str
) -> None:
    sealer = JadesSealer(pki.seal)
    first = sealer.seal(payload, signing_time=AT)
    assert first == sealer.seal(payload, signing_time=AT)  # RSA PKCS#1 v1.5: deterministic
    header = header_of(first)
    assert list(header) == ["alg", "cty", "kid", "x5t#S256", "x5c", "typ", "b64", "sigT", "crit"]
    assert header["alg"] == "RS256" and header["b64"] is False and header["crit"] == ["b64", "sigT"]
    assert header["sigT"] == "2026-12-02T10:30:00Z" and header["typ"] == "jose+json"
    assert len(header["x5c"]) == 1 + len(pki.seal.chain)
    assert base64.b64decode(header["x5c"][0]) == der(pki.seal.certificate)
    assert json.loads(first)["payload"] == payload  # unencoded, byte for byte
    assert sealer.level == "B-B"


def test_plain_jwcrypto_verifies_our_seal_and_gives_the_payload_as_sealed(pki: DemoPKI, payload: str) -> None:
    document = JadesSealer(pki.seal).seal(payload)
    assert jwcrypto_payload(document, pki) == payload.encode("utf-8")


@pytest.mark.parametrize("part", ["payload", "protected", "signature"])
def test_one_changed_byte_in_any_part_fails_the_seal(pki: DemoPKI, payload: str, part: str) -> None:
    document = json.loads(JadesSealer(pki.seal).seal(payload))
    holder = document if part == "payload" else document["signatures"][0]
    value = holder[part]
    position = len(value) // 2
    holder[part] = value[:position] + ("A" if value[position] != "A" else "B") + value[position + 1 :]
    with pytest.raises(SealRefused):
        verify_jades(json.dumps(document).encode())


def test_a_b_t_seal_proves_its_time_with_the_time_stamp(
    pki: DemoPKI, payload: str, tsa: TestTSA, trust: TrustStore
) -> None:
    stamper = Stamper(tsa)
    sealer = JadesSealer(pki.seal, timestamper=stamper)  # type: ignore[arg-type]
    document = sealer.seal(payload)
    assert sealer.level == "B-T" and stamper.calls == 1
    evidence = verify_jades(document).evidence
    assert evidence.time_source == "timestamp" and evidence.proven_time is not None
    assert jwcrypto_payload(document, pki) == payload.encode("utf-8")
    report = verify(document, trust)
    checks = {c.code: c for c in report.checks}
    assert checks["seal_intact"].status.value == "passed", [c.to_dict() for c in report.checks]


def test_a_changed_signature_time_stamp_fails_the_seal(pki: DemoPKI, payload: str, tsa: TestTSA) -> None:
    document = json.loads(JadesSealer(pki.seal, timestamper=Stamper(tsa)).seal(payload))  # type: ignore[arg-type]
    other = json.loads(JadesSealer(pki.seal, timestamper=Stamper(tsa)).seal(payload + " "))  # type: ignore[arg-type]
    document["signatures"][0]["header"]["etsiU"][0] = other["signatures"][0]["header"]["etsiU"][0]
    with pytest.raises(SealRefused):
        verify_jades(json.dumps(document).encode())


def test_b_lt_carries_the_chain_and_revocation_values_collected_once_and_b_lta_an_archive_stamp(
    pki: DemoPKI, payload: str, tsa: TestTSA
) -> None:
    collected: list[int] = []

    def collect(key: SealKey) -> ValidationValues:
        collected.append(1)
        return ValidationValues(certificates=[der(pki.anchor_cert)], crls=[], ocsps=[])

    stamper = Stamper(tsa)
    long_term = JadesSealer(pki.seal, timestamper=stamper, validation=collect)  # type: ignore[arg-type]
    archived = JadesSealer(pki.seal, timestamper=stamper, validation=collect, archive=True)  # type: ignore[arg-type]
    assert (long_term.level, archived.level) == ("B-LT", "B-LTA")
    for _ in range(3):
        document = long_term.seal(payload)
    assert len(collected) == 1  # once per sealer (refreshed when stale), not per credential
    entries = json.loads(document)["signatures"][0]["header"]["etsiU"]
    names = [next(iter(json.loads(base64.urlsafe_b64decode(e + "=" * (-len(e) % 4))))) for e in entries]
    assert names == ["sigTst", "xVals"]
    evidence = verify_jades(document).evidence
    assert der(pki.anchor_cert) in evidence.certificates
    lta = archived.seal(payload)
    entries = json.loads(lta)["signatures"][0]["header"]["etsiU"]
    assert (
        next(iter(json.loads(base64.urlsafe_b64decode(entries[-1] + "=" * (-len(entries[-1]) % 4)))))
        == "arcTst"
    )
    assert verify_jades(lta).evidence.proven_time is not None
    assert jwcrypto_payload(lta, pki) == payload.encode("utf-8")


def test_an_ecdsa_seal_verifies_with_our_verifier_and_jwcrypto(payload: str) -> None:
    pki = make_demo_pki(org_name="EC University", org_identifier="VATFR-11111111111")
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = issue_certificate(
        pki.anchor_cert, pki.anchor_key, seal_subject("EC University", "VATFR-11111111111", "FR"), key=key
    )
    seal_key = SealKey(private_key=key, certificate=certificate, chain=())
    document = JadesSealer(seal_key).seal(payload)
    assert header_of(document)["alg"] == "ES256"
    assert verify_jades(document).payload == payload.encode("utf-8")
    token = jws.JWS(header_registry=JADES_HEADERS)
    token.deserialize(document.decode(), jwk.JWK.from_pyca(key.public_key()))
