"""Our JAdES seal (B-B) against a bare jwcrypto JWS sign of the same EDC 3 payloads, in one run (issue 17).

    python bench/seal_jades.py [--n 2000]

Both sign RS256 with the same key over the same payload texts, unencoded payload (b64 false), JSON serialization;
ours adds the JAdES header (kid, x5t#S256, x5c, sigT). Target: ≤ 1.3x the bare loop. Then B-T with the demo
time-stamping authority in process, and over local HTTP (the cost of one round trip per seal).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jwcrypto import jwk, jws  # noqa: E402

from europass.credentials.edc3 import display_images, edc3_payload, to_edc3  # noqa: E402
from europass.credentials.example import example_credential  # noqa: E402
from europass.sealing.demo import make_demo_pki, make_tsa_certificate  # noqa: E402
from europass.sealing.jades_seal import JadesSealer  # noqa: E402
from europass.sealing.timestamp import TimeStamper  # noqa: E402
from europass.sealing.tsa import TimeStampAuthority, server  # noqa: E402


def best_of(runs: int, function: object) -> float:
    return min(timed(function) for _ in range(runs))


def timed(function: object) -> float:
    started = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    pki = make_demo_pki()
    payloads = []
    for _ in range(args.n):
        credential = example_credential(id=f"urn:uuid:{uuid.uuid4()}")
        payloads.append(edc3_payload(to_edc3(credential, display=display_images(credential))))
    key = jwk.JWK.from_pyca(pki.seal.private_key)
    sealer = JadesSealer(pki.seal)

    def bare() -> None:
        for payload in payloads:
            token = jws.JWS(payload)
            token.add_signature(key, None, {"alg": "RS256", "b64": False, "crit": ["b64"]}, None)
            token.serialize()

    def ours() -> None:
        for payload in payloads:
            sealer.seal(payload)

    bare_s, ours_s = best_of(3, bare), best_of(3, ours)
    tsa = make_tsa_certificate(pki.anchor_cert, pki.anchor_key)
    authority = TimeStampAuthority(tsa.private_key, tsa.certificate)

    class InProcess:
        def timestamp(self, data: bytes) -> bytes:
            import hashlib

            from asn1crypto import tsp

            request = tsp.TimeStampReq(
                {
                    "version": "v1",
                    "message_imprint": {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "hashed_message": hashlib.sha256(data).digest(),
                    },
                    "cert_req": True,
                }
            )
            return authority.token_for(request)

    stamped = JadesSealer(pki.seal, timestamper=InProcess())  # type: ignore[arg-type]
    sample = payloads[: max(50, args.n // 10)]
    in_process_s = timed(lambda: [stamped.seal(p) for p in sample])
    http = server(authority, port=0)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    over_http = JadesSealer(pki.seal, timestamper=TimeStamper(f"http://127.0.0.1:{http.server_address[1]}/"))
    http_s = timed(lambda: [over_http.seal(p) for p in sample])
    http.shutdown()
    size = statistics.fmean(len(p) for p in payloads) / 1024
    print(f"bench/seal_jades.py — {args.n} EDC 3 payloads (~{size:.1f} KB each), RS256, best of 3")
    print(f"  bare jwcrypto JWS sign            {1000 * bare_s / args.n:8.3f} ms a payload")
    print(f"  our JAdES seal, B-B               {1000 * ours_s / args.n:8.3f} ms a payload")
    print(f"  ours / bare                       {ours_s / bare_s:8.2f}x  (target ≤ 1.3)")
    print(f"  B-T, demo TSA in process          {1000 * in_process_s / len(sample):8.3f} ms a payload")
    print(f"  B-T, demo TSA over local HTTP     {1000 * http_s / len(sample):8.3f} ms a payload")


if __name__ == "__main__":
    main()
