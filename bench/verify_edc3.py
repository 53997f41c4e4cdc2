"""EDC 3 (JAdES) verification in-process: ``verify_jades`` followed by the certificate path at the proven time (what
the engine does after the seal: ``TrustStore.validate`` of the evidence), against a bare jwcrypto verify of the
same documents, in the same run, on one core.

    python bench/verify_edc3.py [--n 300]

The documents: the Commission's two unsigned EDC 3 payloads, each copy with its own credential id, sealed B-T by
the test sealer (RS256, a demo seal certificate, a ``sigTst`` from the in-process test TSA). The bare baseline is
the least a JWS library does: jwcrypto's ``JWS.deserialize`` with the key already loaded (the JAdES header names
registered so that it accepts them), no time-stamp, no certificate. A breakdown of our time follows, and the
Commission's own B-LTA samples (three time-stamps, OCSP and CRL in the seal) for information.

Target (issue 12): ours ≤ 1.5× bare jwcrypto.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EDC3 = ROOT.parent / "shared" / "interop" / "edc3"
PAYLOADS = ["Sample-CertOfPart-unsigned.jsonld", "Sample-MC-Annex1-unsigned.jsonld"]
SIGNED = ["Sample-CertOfPart-signed.jsonld", "Sample-MC-Annex1-signed.jsonld"]


def _documents(n: int) -> tuple[list[bytes], Any, Any]:
    from europass.sealing.demo import make_demo_pki
    from tests.sealing.jades_maker import TestTSA, compact_json, dumps, seal_jades

    pki = make_demo_pki()
    tsa = TestTSA.from_pki(pki)
    payloads = [json.loads((EDC3 / name).read_text(encoding="utf-8")) for name in PAYLOADS]
    documents = []
    for i in range(n):
        payload = dict(payloads[i % len(payloads)])
        payload["id"] = f"urn:credential:{uuid.uuid4()}"
        documents.append(dumps(seal_jades(compact_json(payload), pki.seal, tsa=tsa)))
    return documents, pki, tsa


def _interleaved(functions: dict[str, Any], items: list[Any], passes: int) -> dict[str, list[float]]:
    """Each function on each item in turn (the order rotating), so that a busy machine slows them all alike."""
    timings: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for round_ in range(passes):
        for index, item in enumerate(items):
            shift = (index + round_) % len(names)
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                functions[name](item)
                timings[name].append(time.perf_counter() - started)
    return timings


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()

    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from jwcrypto import jwk, jws
    from jwcrypto.common import JWSEHeaderParameter

    from bench._common import stats, table
    from europass.sealing import jades
    from europass.sealing.timestamp import verify_timestamp_token
    from europass.sealing.trust import TrustAnchor, TrustStore

    documents, pki, _tsa = _documents(args.n)
    trust = TrustStore([TrustAnchor(pki.anchor_cert.public_bytes(Encoding.DER), "bench anchor", True)])
    registry = {
        "sigT": JWSEHeaderParameter("Claimed signing time", True, True, None),
        "adoTst": JWSEHeaderParameter("Content time-stamp", True, True, None),
        "etsiU": JWSEHeaderParameter("ETSI unsigned properties", False, True, None),
    }
    key = jwk.JWK.from_pyca(pki.seal.certificate.public_key())

    def bare(document: bytes) -> object:
        token = jws.JWS(header_registry=registry)
        token.deserialize(document, key)  # raises unless the signature verifies
        return token.payload

    def bare_key_from_x5c(document: bytes) -> object:
        token = jws.JWS(header_registry=registry)
        token.deserialize(document)
        header = json.loads(token.objects["signatures"][0]["protected"])
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        token.verify(jwk.JWK.from_pyca(certificate.public_key()))
        return token.payload

    def ours(document: bytes) -> object:
        evidence = jades.verify_jades(document).evidence
        path = trust.validate(
            evidence.certificate_der,
            [*evidence.certificates, *evidence.timestamp_certificates],
            moment=evidence.moment,  # type: ignore[arg-type]
            ocsps=evidence.ocsps,
            crls=evidence.crls,
        )
        assert path.trusted and evidence.time_source == "timestamp", path.reason()
        return path

    def seal_only(document: bytes) -> object:
        return jades.verify_jades(document)

    for document in documents[:20]:  # warm up: key and certificate caches, the trust store's path cache
        ours(document)
        bare(document)
        bare_key_from_x5c(document)
    timings = _interleaved(
        {"ours": ours, "bare": bare, "seal": seal_only, "x5c": bare_key_from_x5c}, documents, args.passes
    )
    our_times, bare_times, seal_times, x5c_times = (timings[k] for k in ("ours", "bare", "seal", "x5c"))

    # The breakdown: each part of our work alone, over the same documents (inputs decoded beforehand).
    parts: list[dict[str, Any]] = []
    for document in documents:
        signature = jades._load(document)["signatures"][0]
        header = json.loads(jades._b64url(signature["protected"]))
        entry = json.loads(jades._b64url(signature["header"]["etsiU"][0]))
        parts.append(
            {
                "document": document,
                "alg": header["alg"],
                "key": jades._public_key(jades._b64(header["x5c"][0])),
                "protected": signature["protected"],
                "payload": json.loads(document)["payload"],
                "signature": jades._b64url(signature["signature"]),
                "signature_text": signature["signature"].encode("ascii"),
                "token": jades._b64(entry["sigTst"]["tstTokens"][0]["val"]),
                "evidence": jades.verify_jades(document).evidence,
            }
        )

    def parse(part: dict[str, Any]) -> object:
        return jades._load(part["document"])

    def signature_check(part: dict[str, Any]) -> None:
        data = part["protected"].encode("ascii") + b"." + part["payload"].encode("utf-8")
        jades._verify_signature(part["alg"], part["key"], data, part["signature"])

    def stamp(part: dict[str, Any]) -> object:
        return verify_timestamp_token(part["token"], part["signature_text"])

    def path(part: dict[str, Any]) -> object:
        evidence = part["evidence"]
        return trust.validate(
            evidence.certificate_der,
            [*evidence.certificates, *evidence.timestamp_certificates],
            moment=evidence.moment,
        )

    breakdown = _interleaved(
        {"parse": parse, "signature": signature_check, "stamp": stamp, "path": path}, parts, args.passes
    )
    parse_times, signature_times, stamp_times, path_times = (
        breakdown[k] for k in ("parse", "signature", "stamp", "path")
    )

    # The Commission's own samples (B-LTA: adoTst, sigTst, arcTst; xVals; a CRL and an OCSP response).
    samples = [(EDC3 / name).read_bytes() for name in SIGNED]
    sample_evidence = jades.verify_jades(samples[0]).evidence
    issuing_ca = next(
        c
        for c in sample_evidence.certificates
        if asn1_x509.Certificate.load(c).subject.native.get("common_name")
        == "ANF AC Qualified Certificates for eSeal"
    )
    sample_trust = TrustStore([TrustAnchor(issuing_ca, "ANF eSeal CA", True)])

    def sample_seal(document: bytes) -> object:
        return jades.verify_jades(document)

    def sample_path(document: bytes) -> object:
        evidence = jades.verify_jades(document).evidence
        result = sample_trust.validate(
            evidence.certificate_der,
            [*evidence.certificates, *evidence.timestamp_certificates],
            moment=evidence.moment,  # type: ignore[arg-type]
            ocsps=evidence.ocsps,
            crls=evidence.crls,
        )
        assert result.trusted, result.reason()
        return result

    sample_certificate = jades._public_key(sample_evidence.certificate_der)
    sample_key = jwk.JWK.from_pyca(sample_certificate)

    def sample_bare(document: bytes) -> object:
        token = jws.JWS(header_registry=registry)
        token.deserialize(document, sample_key)
        return token.payload

    repeated = samples * 20
    sample_path(samples[0])
    sampled = _interleaved({"seal": sample_seal, "path": sample_path, "bare": sample_bare}, repeated, 1)
    sample_seal_times, sample_path_times, sample_bare_times = (sampled[k] for k in ("seal", "path", "bare"))

    # The whole engine (every check, the SHACL schema check on distinct payloads included) over a subset: SHACL
    # (pyshacl over the EDC shapes) dominates; its result is cached by payload digest for repeated verifications.
    from europass.sealing.verify import verify

    engine_docs = documents[: min(40, len(documents))]
    engine_times = _interleaved({"engine": lambda d: verify(d, trust)}, engine_docs, 1)["engine"]
    repeat_times = _interleaved({"engine": lambda d: verify(d, trust)}, engine_docs, 1)["engine"]
    engine_bare = _interleaved({"bare": bare}, engine_docs, 1)["bare"]

    ours_ms = stats(our_times)["median_ms"]
    bare_ms = stats(bare_times)["median_ms"]
    print(
        f"bench/verify_edc3.py — {args.n} distinct EDC 3 credentials sealed B-T (RS256, sigTst), one core, "
        f"{args.passes} interleaved passes"
    )
    print(
        table(
            [
                ("ours: verify_jades + TrustStore.validate (proven time)", stats(our_times)),
                ("  verify_jades alone", stats(seal_times)),
                ("bare jwcrypto JWS.deserialize (key given)", stats(bare_times)),
                ("bare jwcrypto, key read from x5c", stats(x5c_times)),
                ("breakdown: JSON envelope (parse + limits)", stats(parse_times)),
                ("breakdown: signature (RS256 over the input)", stats(signature_times)),
                ("breakdown: sigTst (RFC 3161 token)", stats(stamp_times)),
                ("breakdown: certificate path (cached)", stats(path_times)),
                ("Commission B-LTA samples: verify_jades", stats(sample_seal_times)),
                ("Commission B-LTA samples: + path with OCSP/CRL", stats(sample_path_times)),
                ("Commission B-LTA samples: bare jwcrypto", stats(sample_bare_times)),
                ("whole engine, every check, SHACL uncached (40 docs)", stats(engine_times)),
                ("whole engine again (SHACL result cached)", stats(repeat_times)),
                ("bare jwcrypto on those 40", stats(engine_bare)),
            ]
        )
    )
    ratio = ours_ms / bare_ms
    print(f"in-process EDC 3 verify / bare jwcrypto verify = {ratio:.2f}x (target ≤ 1.5)")
    engine_ratio = stats(engine_times)["median_ms"] / stats(engine_bare)["median_ms"]
    cached_ratio = stats(repeat_times)["median_ms"] / stats(engine_bare)["median_ms"]
    print(
        f"whole engine / bare jwcrypto = {engine_ratio:.1f}x with SHACL on a new payload, "
        f"{cached_ratio:.2f}x when the payload was verified before"
    )
    return {
        "ratio": ratio,
        "ours_ms": ours_ms,
        "bare_ms": bare_ms,
        "engine_ratio": engine_ratio,
        "engine_cached_ratio": cached_ratio,
    }


if __name__ == "__main__":
    main()
