"""In-process verification with every check (seal, path, schema, status list, register) against a bare signxml
XAdES verify of the same documents, in the same run, on one core.

    python bench/verify_inprocess.py [--n 300]

Target (issue 7): ours ≤ 1.5× bare signxml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._verify_setup import prepare


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    documents, pki = prepare(args.n)

    from signxml import SignatureConfiguration
    from signxml.xades import XAdESVerifier

    from bench._common import per_item, stats, table
    from verification.services import verify_xml

    verifier = XAdESVerifier()
    config = SignatureConfiguration(
        location="./{http://data.europa.eu/snb}proof/", require_x509=True, expect_references=3
    )
    certificate = pki.seal.certificate  # type: ignore[attr-defined]

    def bare(document: bytes) -> object:
        return verifier.verify(document, x509_cert=certificate, expect_config=config)

    def ours(document: bytes) -> object:
        report = verify_xml(document)
        assert report.verdict == "verified", [c for c in report.checks if c.status != "passed"]
        return report

    for document in documents[:20]:  # warm up: trust store, schema, caches
        ours(document)
        bare(document)
    our_times = per_item(ours, documents)
    bare_times = per_item(bare, documents)
    print(f"bench/verify_inprocess.py — {args.n} sealed credentials, every check, one core")
    print(
        table(
            [
                ("our verify_xml (seal+path+schema+status+register)", stats(our_times)),
                ("bare signxml XAdESVerifier.verify (x509_cert)", stats(bare_times)),
            ]
        )
    )
    ratio = stats(our_times)["median_ms"] / stats(bare_times)["median_ms"]
    print(f"in-process verify / bare signxml verify = {ratio:.2f}x (target ≤ 1.5)")
    return {
        "ratio": ratio,
        "ours_ms": stats(our_times)["median_ms"],
        "bare_ms": stats(bare_times)["median_ms"],
    }


if __name__ == "__main__":
    main()
