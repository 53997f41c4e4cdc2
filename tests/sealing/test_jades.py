"""JAdES seals (ETSI TS 119 182-1) on EDC 3 credentials: the Commission's two samples, our own test seals (B-B,
B-T, B-LT, B-LTA), tampering of every part, hostile JSON. Every verified seal is also checked with plain jwcrypto,
independently of our module."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk, jws
from jwcrypto.common import JWException, JWSEHeaderParameter, base64url_decode

from europass.sealing.certificates import organization_identifier, summarize
from europass.sealing.demo import DemoPKI, issue_certificate, make_demo_pki, seal_subject
from europass.sealing.evidence import SealRefused
from europass.sealing.jades import MAX_BYTES, JadesSeal, is_jades, verify_jades
from europass.sealing.keys import SealKey
from europass.sealing.trust import TrustAnchor, TrustStore

from .jades_maker import (
    DELETE,
    TestTSA,
    add_archive_timestamp,
    add_validation_data,
    b64,
    b64url,
    compact_json,
    der,
    dumps,
    etsi_entry,
    issuer_serial,
    seal_jades,
)

EDC3 = Path(__file__).resolve().parents[3] / "shared" / "interop" / "edc3"
SAMPLES = ["Sample-CertOfPart-signed.jsonld", "Sample-MC-Annex1-signed.jsonld"]
UNSIGNED = "Sample-CertOfPart-unsigned.jsonld"

# What jwcrypto must be told about JAdES for a plain verification (the README's recipe).
JADES_HEADERS = {
    "sigT": JWSEHeaderParameter("Claimed signing time", True, True, None),
    "adoTst": JWSEHeaderParameter("Content time-stamp", True, True, None),
    "etsiU": JWSEHeaderParameter("ETSI unsigned properties", False, True, None),
}


def sample_bytes(name: str) -> bytes:
    return (EDC3 / name).read_bytes()


def sample(name: str) -> dict[str, Any]:
    return json.loads(sample_bytes(name))


def payload_text() -> str:
    return (EDC3 / UNSIGNED).read_text(encoding="utf-8")


def signature_of(document: dict[str, Any]) -> dict[str, Any]:
    return document["signatures"][0] if "signatures" in document else document


def protected_of(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(base64url_decode(signature_of(document)["protected"]))


def etsi_u(document: dict[str, Any]) -> list[str]:
    return signature_of(document)["header"]["etsiU"]


def decoded_entry(entry: str) -> dict[str, Any]:
    return json.loads(base64url_decode(entry))


def refused(document: object) -> SealRefused:
    with pytest.raises(SealRefused) as caught:
        verify_jades(document)  # type: ignore[arg-type]
    return caught.value


def jwcrypto_verify(document: dict[str, Any] | bytes) -> bytes:
    """Plain jwcrypto, on its own: the key from the first x5c certificate, JAdES header names registered."""
    text = document.decode("utf-8") if isinstance(document, bytes) else json.dumps(document)
    header = protected_of(json.loads(text))
    certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    token = jws.JWS(header_registry=JADES_HEADERS)
    token.deserialize(text, jwk.JWK.from_pyca(certificate.public_key()))
    return token.payload if isinstance(token.payload, bytes) else token.payload.encode("utf-8")


@pytest.fixture(scope="module")
def tsa(pki: DemoPKI) -> TestTSA:
    return TestTSA.from_pki(pki)


@pytest.fixture(scope="module")
def other_seal(pki: DemoPKI) -> SealKey:
    """Another valid seal certificate from the same authority (another organisation)."""
    other = make_demo_pki(org_name="Other University", org_identifier="VATFR-99999999999")
    certificate = issue_certificate(
        pki.anchor_cert,
        pki.anchor_key,
        seal_subject("Other University", "VATFR-99999999999", "FR"),
        key=other.seal.private_key,
    )
    return SealKey(other.seal.private_key, certificate, ())


# --- the Commission's samples -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_the_commission_samples_verify_and_give_the_payload_exactly_as_given(name: str) -> None:
    seal = verify_jades(sample_bytes(name))
    assert isinstance(seal, JadesSeal)
    assert seal.payload == sample(name)["payload"].encode("utf-8")
    assert seal.evidence.format == "jades" and seal.evidence.algorithm == "RS256"
    assert seal.header["b64"] is False and seal.header["crit"] == ["b64", "sigT", "adoTst"]
    assert seal.evidence.notes == []


@pytest.mark.parametrize("name", SAMPLES)
def test_the_commission_samples_verify_from_their_parsed_json_too(name: str) -> None:
    assert verify_jades(sample(name)).payload == sample(name)["payload"].encode("utf-8")


@pytest.mark.parametrize("name", SAMPLES)
def test_the_signature_time_stamp_proves_the_commission_samples_were_sealed_on_2023_09_27(name: str) -> None:
    evidence = verify_jades(sample_bytes(name)).evidence
    assert evidence.time_source == "timestamp"
    assert evidence.proven_time is not None and evidence.proven_time.date() == dt.date(2023, 9, 27)
    assert evidence.signing_time is not None and evidence.signing_time <= evidence.proven_time
    assert evidence.proven_time - evidence.signing_time < dt.timedelta(minutes=1)
    assert evidence.timestamp_authority and "good-tsa" in evidence.timestamp_authority
    assert len(evidence.timestamp_certificates) == 2


@pytest.mark.parametrize("name", SAMPLES)
def test_the_commission_seal_certificate_is_test_seal_of_the_issuer_named_in_the_payload(name: str) -> None:
    seal = verify_jades(sample_bytes(name))
    summary = summarize(seal.evidence.certificate_der)
    assert "Common Name: TEST SEAL" in summary.subject
    assert organization_identifier(seal.evidence.certificate_der) == "VATES-A00000000"
    payload = json.loads(seal.payload)
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == "VATES-A00000000"


@pytest.mark.parametrize("name", SAMPLES)
def test_the_commission_samples_carry_certificates_a_crl_and_an_ocsp_response(name: str) -> None:
    evidence = verify_jades(sample_bytes(name)).evidence
    subjects = [asn1_x509.Certificate.load(c).subject.native["common_name"] for c in evidence.certificates]
    assert "ANF AC Qualified Certificates for eSeal" in subjects and "good-tsa" in subjects
    assert len(evidence.certificates) == 4
    assert len(evidence.crls) == 1 and len(evidence.ocsps) == 1


@pytest.mark.parametrize("name", SAMPLES)
def test_the_commission_seal_is_trusted_at_the_proven_time_with_its_issuing_ca_as_anchor(name: str) -> None:
    evidence = verify_jades(sample_bytes(name)).evidence
    issuing_ca = next(
        c
        for c in evidence.certificates
        if asn1_x509.Certificate.load(c).subject.native["common_name"]
        == "ANF AC Qualified Certificates for eSeal"
    )
    assert evidence.proven_time is not None
    path = TrustStore([TrustAnchor(issuing_ca, "ANF eSeal CA", qualified_for_seals=True)]).validate(
        evidence.certificate_der,
        [*evidence.certificates, *evidence.timestamp_certificates],
        moment=evidence.proven_time,
        ocsps=evidence.ocsps,
        crls=evidence.crls,
    )
    assert path.trusted, path.reason()


@pytest.mark.parametrize("name", SAMPLES)
def test_plain_jwcrypto_verifies_the_commission_samples_by_the_readme_recipe(name: str) -> None:
    document = sample(name)
    assert jwcrypto_verify(sample_bytes(name)) == document["payload"].encode("utf-8")
    # The recipe itself, by hand: ASCII(protected) + "." + the payload's UTF-8 bytes, RS256 with the x5c key.
    signature = signature_of(document)
    certificate = x509.load_der_x509_certificate(base64.b64decode(protected_of(document)["x5c"][0]))
    key = jwk.JWK.from_pyca(certificate.public_key())
    signing_input = signature["protected"].encode("ascii") + b"." + document["payload"].encode("utf-8")
    jws.JWA.signing_alg("RS256").verify(key, signing_input, base64url_decode(signature["signature"]))


@pytest.mark.parametrize("name", SAMPLES)
def test_one_changed_byte_in_the_commission_payload_breaks_the_seal(name: str) -> None:
    document = sample(name)
    at = document["payload"].index("urn:credential:") + len("urn:credential:")
    document["payload"] = document["payload"][:at] + "f" + document["payload"][at + 1 :]
    assert refused(document).details["reason"] == "signature_invalid"
    with pytest.raises(JWException):
        jwcrypto_verify(document)


@pytest.mark.parametrize("name", SAMPLES)
def test_a_reserialised_commission_payload_with_the_same_json_breaks_the_seal(name: str) -> None:
    document = sample(name)
    original = document["payload"]
    for text in (
        json.dumps(json.loads(original), sort_keys=True),
        json.dumps(json.loads(original), separators=(",", ":"), sort_keys=True, ensure_ascii=False),
        json.dumps(json.loads(original)),
    ):
        assert json.loads(text) == json.loads(original) and text != original
        document["payload"] = text
        assert refused(document).details["reason"] == "signature_invalid"


@pytest.mark.parametrize("name", SAMPLES)
def test_a_changed_protected_header_in_a_commission_sample_breaks_the_seal(name: str) -> None:
    document = sample(name)
    header = protected_of(document)
    header["sigT"] = "2023-09-26T12:00:00Z"
    signature_of(document)["protected"] = b64url(compact_json(header).encode())
    assert refused(document).details["reason"] == "signature_invalid"


@pytest.mark.parametrize("name", SAMPLES)
def test_another_certificate_put_in_a_commission_sample_breaks_the_seal(name: str) -> None:
    document = sample(name)
    evidence = verify_jades(document).evidence
    other = evidence.certificates[2]  # the issuing CA: a valid certificate, with another key
    header = protected_of(document)
    header["x5c"] = [b64(other)]
    header["x5t#S256"] = b64url(hashlib.sha256(other).digest())
    del header["kid"]
    signature_of(document)["protected"] = b64url(compact_json(header).encode())
    assert refused(document).details["reason"] in ("signature_invalid", "certificate_swapped")


@pytest.mark.parametrize("name", SAMPLES)
def test_a_commission_signature_time_stamp_over_something_else_is_refused(name: str) -> None:
    document = sample(name)
    entries = etsi_u(document)
    archive = decoded_entry(entries[3])["arcTst"]  # a genuine token of the same authority, over other data
    entries[0] = etsi_entry({"sigTst": archive})
    reason = refused(document).details
    assert reason["reason"] == "timestamp_mismatch" and reason["timestamp"] == "sigTst"


@pytest.mark.parametrize("name", SAMPLES)
def test_a_changed_entry_under_the_commission_archive_time_stamp_is_refused(name: str) -> None:
    document = sample(name)
    entries = etsi_u(document)
    values = decoded_entry(entries[2])
    values["rVals"]["crlVals"] = []
    entries[2] = etsi_entry(values)
    reason = refused(document).details
    assert reason["reason"] == "timestamp_mismatch" and reason["timestamp"] == "arcTst"


@pytest.mark.parametrize("name", SAMPLES)
def test_a_commission_sample_with_two_signatures_is_refused(name: str) -> None:
    document = sample(name)
    document["signatures"].append(copy.deepcopy(document["signatures"][0]))
    assert refused(document).details["reason"] == "signature_count"


def test_a_commission_sample_stripped_of_its_unsigned_properties_falls_back_to_the_claimed_time() -> None:
    document = sample(SAMPLES[0])
    del signature_of(document)["header"]
    evidence = verify_jades(document).evidence
    assert evidence.proven_time is None and evidence.time_source == "claimed"
    assert evidence.signing_time == dt.datetime(2023, 9, 27, 12, 7, 1, tzinfo=dt.UTC)
    assert evidence.certificates == [] and evidence.crls == [] and evidence.ocsps == []


# --- our own seals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"tsa": True},
        {"tsa": True, "content_tsa": True},
        {"tsa": True, "flattened": True},
        {"tsa": True, "b64_payload": True},
        {"alg": "PS256"},
        {"alg": "RS512"},
    ],
    ids=["B-B", "B-T", "B-T with adoTst", "flattened", "b64 true", "PS256", "RS512"],
)
def test_our_test_seals_verify_here_and_with_plain_jwcrypto(
    options: dict[str, Any], pki: DemoPKI, tsa: TestTSA
) -> None:
    text = payload_text()
    arguments = {**options, "tsa": tsa if options.get("tsa") else None}
    if options.get("content_tsa"):
        arguments["content_tsa"] = tsa
    document = seal_jades(text, pki.seal, **arguments)
    seal = verify_jades(dumps(document))
    assert seal.payload == text.encode("utf-8") == jwcrypto_verify(dumps(document))
    assert seal.evidence.certificate_der == der(pki.seal.certificate)
    assert (seal.evidence.proven_time is not None) == bool(options.get("tsa"))
    assert seal.evidence.notes == []


@pytest.mark.parametrize("curve", ["ES256", "ES384"])
def test_our_ecdsa_seals_verify_here_and_with_plain_jwcrypto(curve: str, tsa: TestTSA) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pki = make_demo_pki(key_type="ec")
    key = ec.generate_private_key(ec.SECP384R1() if curve == "ES384" else ec.SECP256R1())
    certificate = issue_certificate(
        pki.anchor_cert, pki.anchor_key, seal_subject("Demo University", "VATFR-12345678901", "FR"), key=key
    )
    document = seal_jades(payload_text(), SealKey(key, certificate, ()), tsa=tsa)
    assert protected_of(document)["alg"] == curve
    assert verify_jades(dumps(document)).payload == jwcrypto_verify(dumps(document))


def test_a_b_t_seal_proves_its_time_by_the_signature_time_stamp(pki: DemoPKI, tsa: TestTSA) -> None:
    at = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    document = seal_jades(payload_text(), pki.seal, signing_time=at - dt.timedelta(seconds=2))
    signature = signature_of(document)
    signature["header"] = {
        "etsiU": [etsi_entry({"sigTst": tsa.container(signature["signature"].encode(), at=at)})]
    }
    evidence = verify_jades(document).evidence
    assert evidence.proven_time == at and evidence.moment == at
    assert evidence.signing_time == at - dt.timedelta(seconds=2)
    assert evidence.timestamp_certificates[0] == der(tsa.certificate)  # the proving authority first
    assert evidence.timestamp_authority and "Time-Stamping Authority" in evidence.timestamp_authority


def test_our_seal_is_trusted_at_the_proven_time(pki: DemoPKI, tsa: TestTSA, trust: TrustStore) -> None:
    evidence = verify_jades(dumps(seal_jades(payload_text(), pki.seal, tsa=tsa))).evidence
    assert evidence.proven_time is not None
    path = trust.validate(
        evidence.certificate_der,
        [*evidence.certificates, *evidence.timestamp_certificates],
        moment=evidence.proven_time,
    )
    assert path.trusted, path.reason()


def test_an_archive_time_stamp_covers_the_validation_data_before_it(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal, tsa=tsa)
    add_validation_data(document, certificates=[der(pki.anchor_cert)])
    add_archive_timestamp(document, tsa)
    evidence = verify_jades(copy.deepcopy(document)).evidence
    assert evidence.certificates == [der(pki.anchor_cert)]
    assert jwcrypto_verify(document)
    del etsi_u(document)[1]  # the certificate values the archive time-stamp covers
    reason = refused(document).details
    assert reason["reason"] == "timestamp_mismatch" and reason["timestamp"] == "arcTst"


def test_a_second_archive_time_stamp_covers_the_first(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal, tsa=tsa)
    add_archive_timestamp(document, tsa)
    add_archive_timestamp(document, tsa)
    verify_jades(copy.deepcopy(document))
    etsi_u(document)[1] = etsi_u(add_archive_timestamp(seal_jades(payload_text(), pki.seal, tsa=tsa), tsa))[1]
    assert refused(document).details["reason"] == "timestamp_mismatch"


def test_a_content_time_stamp_over_something_else_is_refused(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(
        payload_text(),
        pki.seal,
        tsa=tsa,
        header={"adoTst": tsa.container(b"another credential"), "crit": ["b64", "sigT", "adoTst"]},
    )
    reason = refused(document).details
    assert reason["reason"] == "timestamp_mismatch" and reason["timestamp"] == "adoTst"


def test_a_content_time_stamp_later_than_the_signature_time_stamp_is_refused(
    pki: DemoPKI, tsa: TestTSA
) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    text = payload_text()
    document = seal_jades(
        text,
        pki.seal,
        tsa=tsa,
        header={"adoTst": tsa.container(text.encode(), at=later), "crit": ["b64", "sigT", "adoTst"]},
    )
    assert refused(document).details["reason"] == "timestamp_order"


def test_a_signature_time_stamp_over_something_else_is_refused(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal)
    signature_of(document)["header"] = {"etsiU": [etsi_entry({"sigTst": tsa.container(b"something else")})]}
    reason = refused(document).details
    assert reason["reason"] == "timestamp_mismatch" and reason["timestamp"] == "sigTst"


def test_a_signature_time_stamp_over_the_decoded_signature_is_refused(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal)
    raw_signature = base64url_decode(signature_of(document)["signature"])
    signature_of(document)["header"] = {"etsiU": [etsi_entry({"sigTst": tsa.container(raw_signature)})]}
    assert refused(document).details["reason"] == "timestamp_mismatch"


def test_an_unreadable_time_stamp_is_refused(pki: DemoPKI) -> None:
    document = seal_jades(payload_text(), pki.seal)
    broken: dict[str, Any]
    for broken in ({"tstTokens": [{"val": b64(b"\x30\x03\x02\x01\x01")}]}, {"tstTokens": []}, {"val": "x"}):
        signature_of(document)["header"] = {"etsiU": [etsi_entry({"sigTst": broken})]}
        assert refused(document).details["reason"] == "timestamp_unreadable"


def test_a_time_stamp_whose_authority_signature_is_broken_is_refused(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal)
    token = bytearray(tsa.token(signature_of(document)["signature"].encode()))
    token[-200] ^= 0x01  # inside the TSA certificate or the signature value: no longer the authority's
    signature_of(document)["header"] = {
        "etsiU": [etsi_entry({"sigTst": {"tstTokens": [{"val": b64(bytes(token))}]}})]
    }
    assert refused(document).details["reason"] in ("timestamp_signature", "timestamp_unreadable")


def test_unreadable_validation_data_and_entries_are_skipped_with_a_note(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal, tsa=tsa)
    etsi_u(document).extend(
        [
            etsi_entry({"xVals": [{"x509Cert": {"val": b64(b"not a certificate")}}, {"otherCert": {}}]}),
            etsi_entry({"rVals": {"crlVals": [{"val": "%%%"}], "ocspVals": [{"val": b64(b"\x30\x00")}]}}),
            "!!not base64url!!",
            b64url(b"not json"),
            etsi_entry({"sigPSt": {"whatever": 1}}),
        ]
    )
    seal = verify_jades(document)
    assert seal.evidence.proven_time is not None
    assert seal.evidence.certificates == [] and seal.evidence.crls == [] and seal.evidence.ocsps == []
    assert len(seal.evidence.notes) == 7
    assert all(note.text.shown("fr") != note.text.shown("en") for note in seal.evidence.notes)


def test_a_crl_given_as_pem_is_read_as_der(pki: DemoPKI, tsa: TestTSA) -> None:
    crl = sample(SAMPLES[0])
    crl_der = verify_jades(crl).evidence.crls[0]
    pem = b"-----BEGIN X509 CRL-----\n" + base64.encodebytes(crl_der) + b"-----END X509 CRL-----\n"
    document = add_validation_data(seal_jades(payload_text(), pki.seal, tsa=tsa), crls=[pem])
    assert verify_jades(document).evidence.crls == [crl_der]


# --- what is refused --------------------------------------------------------------------------------------------


def test_a_changed_byte_in_our_payload_breaks_the_seal(pki: DemoPKI, tsa: TestTSA) -> None:
    document = seal_jades(payload_text(), pki.seal, tsa=tsa)
    document["payload"] = document["payload"].replace("2023", "2024", 1)
    assert refused(document).details["reason"] == "signature_invalid"


def test_a_changed_payload_under_b64_true_breaks_the_seal(pki: DemoPKI) -> None:
    document = seal_jades(payload_text(), pki.seal, b64_payload=True)
    tampered = json.loads(base64url_decode(document["payload"]))
    tampered["id"] = "urn:credential:forged"
    document["payload"] = b64url(json.dumps(tampered).encode())
    assert refused(document).details["reason"] == "signature_invalid"
    document["payload"] = "not base64url!"
    assert refused(document).details["reason"] == "payload_unreadable"


def test_a_certificate_other_than_the_one_the_seal_names_is_refused(
    pki: DemoPKI, other_seal: SealKey
) -> None:
    other = der(other_seal.certificate)
    # x5c carries another valid certificate, signed with its key, but x5t#S256 names ours: swapped.
    document = seal_jades(
        payload_text(),
        other_seal,
        header={"x5t#S256": b64url(hashlib.sha256(der(pki.seal.certificate)).digest()), "kid": DELETE},
    )
    assert refused(document).details == {"reason": "certificate_swapped", "member": "x5t#S256"}
    # the same with kid (issuer and serial number of ours)
    document = seal_jades(
        payload_text(), other_seal, header={"x5t#S256": DELETE, "kid": issuer_serial(pki.seal.certificate)}
    )
    assert refused(document).details == {"reason": "certificate_swapped", "member": "kid"}
    # x5c, x5t#S256 and kid all name the other certificate, but our key signed: the signature does not verify.
    document = seal_jades(payload_text(), other_seal, sign_with=pki.seal.private_key)
    assert protected_of(document)["x5c"] == [b64(other)]
    assert refused(document).details["reason"] == "signature_invalid"
    with pytest.raises(JWException):
        jwcrypto_verify(document)


def test_an_unknown_critical_parameter_is_refused(pki: DemoPKI) -> None:
    for name in ("sigPId", "srCms", "x-europass-unknown", "sigD"):
        document = seal_jades(
            payload_text(), pki.seal, header={name: {"any": "value"}, "crit": ["b64", "sigT", name]}
        )
        assert refused(document).details == {"reason": "crit_unknown", "member": name}


def test_a_malformed_critical_list_is_refused(pki: DemoPKI) -> None:
    for crit in (["b64", "sigT", "adoTst"], ["b64", "b64", "sigT"], ["b64", "alg"], "b64", []):
        document = seal_jades(payload_text(), pki.seal, header={"crit": crit})
        assert refused(document).details["reason"] == "crit_malformed", crit
    document = seal_jades(payload_text(), pki.seal, header={"crit": ["sigT"]})  # b64 false, not critical
    assert refused(document).details["reason"] == "b64_malformed"


def test_detached_content_is_refused(pki: DemoPKI) -> None:
    document = seal_jades(
        payload_text(), pki.seal, header={"sigD": {"mId": "http://uri.etsi.org/19182/ObjectIdByURI"}}
    )
    assert refused(document).details["reason"] == "detached"
    document = seal_jades(payload_text(), pki.seal)
    del document["payload"]
    assert is_jades(document)
    assert refused(document).details["reason"] == "detached"


def test_alg_none_and_hmac_are_refused(pki: DemoPKI) -> None:
    text = payload_text()
    for alg in ("none", "HS256", "HS512", "EdDSA", "RS1", None):
        header = {"alg": alg, "b64": False, "crit": ["b64"], "x5c": [b64(der(pki.seal.certificate))]}
        protected = b64url(compact_json(header).encode())
        signature = ""
        if alg and alg.startswith("HS"):  # the classic confusion: the public certificate as an HMAC secret
            mac = hmac.HMAC(der(pki.seal.certificate), hashes.SHA256())
            mac.update(protected.encode() + b"." + text.encode())
            signature = b64url(mac.finalize())
        document = {"payload": text, "signatures": [{"protected": protected, "signature": signature}]}
        assert refused(document).details["reason"] == "algorithm", alg


def test_an_ecdsa_algorithm_that_does_not_fit_the_key_is_refused(pki: DemoPKI) -> None:
    document = seal_jades(payload_text(), pki.seal, header={"alg": "ES256"})
    assert refused(document).details["reason"] == "wrong_key"


def test_a_weak_rsa_key_is_refused(pki: DemoPKI) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    certificate = issue_certificate(
        pki.anchor_cert, pki.anchor_key, seal_subject("Weak University", "VATFR-1", "FR"), key=key
    )
    document = seal_jades(payload_text(), SealKey(key, certificate, ()))
    assert refused(document).details["reason"] == "weak_key"


def test_signed_parameters_in_the_unprotected_header_are_refused(pki: DemoPKI) -> None:
    for name, value in (
        ("x5c", [b64(der(pki.seal.certificate))]),
        ("alg", "RS256"),
        ("sigT", "2020-01-01T00:00:00Z"),
        ("crit", ["b64"]),
    ):
        document = seal_jades(payload_text(), pki.seal, unprotected={name: value})
        assert refused(document).details == {"reason": "unprotected_parameter", "member": name}


def test_an_unknown_unprotected_parameter_is_noted_not_read(pki: DemoPKI) -> None:
    document = seal_jades(payload_text(), pki.seal, unprotected={"x-note": "hello"})
    assert len(verify_jades(document).evidence.notes) == 1


def test_a_key_given_elsewhere_than_in_the_certificate_is_refused(pki: DemoPKI) -> None:
    for name, value in (
        ("jwk", {"kty": "oct", "k": "AAAA"}),
        ("jku", "https://example.org/keys"),
        ("x5u", "https://example.org/c"),
    ):
        document = seal_jades(payload_text(), pki.seal, header={name: value})
        assert refused(document).details == {"reason": "key_elsewhere", "member": name}


def test_a_seal_without_its_certificate_is_refused(pki: DemoPKI) -> None:
    for value in (DELETE, [], ["%%%"], [b64(b"garbage")], "MIIB"):
        document = seal_jades(payload_text(), pki.seal, header={"x5c": value})
        assert refused(document).details["reason"] in ("no_certificate", "certificate_unreadable"), value


def test_a_malformed_claimed_signing_time_is_refused(pki: DemoPKI) -> None:
    document = seal_jades(payload_text(), pki.seal, header={"sigT": "yesterday"})
    assert refused(document).details["reason"] == "sigt_malformed"


def test_mixed_serializations_and_malformed_envelopes_are_refused(pki: DemoPKI) -> None:
    document = seal_jades(payload_text(), pki.seal)
    mixed = {**document, "protected": signature_of(document)["protected"], "signature": "x"}
    assert refused(mixed).details["reason"] == "mixed_serialization"
    for broken in (
        {"payload": 1, "signatures": document["signatures"]},
        {"payload": document["payload"], "signatures": [{"protected": 3, "signature": "x"}]},
        {"payload": document["payload"], "signatures": ["not an object"]},
        {"payload": document["payload"], "signatures": []},
    ):
        assert refused(broken).details["reason"] in ("malformed", "signature_count")
    for not_jws in (b"", b"null", b"[]", b'"text"', b"{}", b"\xff\xfe{\x00}\x00", 42):
        assert refused(not_jws).details["reason"] in ("not_jws", "json_invalid", "not_utf8")


def test_repeated_member_names_are_refused(pki: DemoPKI) -> None:
    document = dumps(seal_jades(payload_text(), pki.seal))
    repeated = b'{"payload": "{}", ' + document[1:]
    assert refused(repeated).details["reason"] == "json_repeated_name"


def test_huge_and_deeply_nested_json_is_refused_fast() -> None:
    started = time.perf_counter()
    assert refused(b" " * (MAX_BYTES + 1)).details["reason"] == "too_big"
    assert refused(b"[" * 1_000_000).details["reason"] in ("json_too_complex", "json_too_deep")
    assert refused(b'{"payload":' + b"[" * 100 + b"]" * 100 + b"}").details["reason"] == "json_too_deep"
    assert refused(b"[" + b"[]," * 2_000_000 + b"[]]").details["reason"] == "json_too_complex"
    nested = {"payload": "{}", "signatures": [{"protected": "e30", "signature": ""}]}
    cursor: dict[str, Any] = nested
    for _ in range(200):
        cursor["x"] = {}
        cursor = cursor["x"]
    assert refused(nested).details["reason"] == "json_too_deep"
    assert time.perf_counter() - started < 2


def test_a_deeply_nested_protected_header_is_refused(pki: DemoPKI) -> None:
    deep: Any = "bottom"
    for _ in range(100):
        deep = [deep]
    document = seal_jades(payload_text(), pki.seal, header={"x-deep": deep})
    assert refused(document).details["reason"] == "json_too_deep"


def test_nothing_but_sealrefused_escapes_from_mangled_seals(pki: DemoPKI, tsa: TestTSA) -> None:
    """Characters changed at random in the document, inside the decoded protected header, or inside a decoded etsiU
    entry: every outcome is a verified seal or a refusal with a reason of its own (never the catch-all)."""
    ours = seal_jades(payload_text(), pki.seal, tsa=tsa, content_tsa=tsa)
    add_archive_timestamp(add_validation_data(ours, certificates=[der(pki.anchor_cert)]), tsa)
    sources = (dumps(ours), sample_bytes(SAMPLES[0]))
    alphabet = b'ABCXYZabcxyz0189+/-_=\\" {}[],:.'
    chooser = random.Random(12)
    reasons: set[str] = set()

    def mangle(data: bytes) -> bytes:
        changed = bytearray(data)
        for _ in range(chooser.randint(1, 3)):
            changed[chooser.randrange(len(changed))] = chooser.choice(alphabet)
        return bytes(changed)

    for _ in range(600):
        source = chooser.choice(sources)
        target = chooser.randrange(3)
        if target == 0:
            mangled = mangle(source)
        else:
            document = json.loads(source)
            signature = signature_of(document)
            entries = signature["header"]["etsiU"]
            index = chooser.randrange(len(entries))
            text = signature["protected"] if target == 1 else entries[index]
            changed = b64url(mangle(base64url_decode(text)))
            if target == 1:
                signature["protected"] = changed
            else:
                entries[index] = changed
            mangled = dumps(document)
        try:
            verify_jades(mangled)
        except SealRefused as refusal:
            reasons.add(str(refusal.details["reason"]))
    assert "unexpected" not in reasons
    assert {"signature_invalid", "timestamp_mismatch", "certificate_swapped", "json_invalid"} <= reasons


def test_is_jades_tells_a_sealed_credential_from_an_unsealed_one(pki: DemoPKI) -> None:
    assert is_jades(sample(SAMPLES[0]))
    assert is_jades(seal_jades(payload_text(), pki.seal, flattened=True))
    assert not is_jades(json.loads(payload_text()))
    assert not is_jades({"payload": "x"})
    assert not is_jades([])  # type: ignore[arg-type]
