"""Seal and verify, per document, against bare library loops over the same documents (one core, RSA-2048).

    python bench/seal.py [--n 300]

Targets (issue 4): our seal ≤ 1.3× a bare signxml XAdES sign; our full offline verify ≤ 1.5× a bare signxml
XAdES verify with ``x509_cert``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod
from signxml.algorithms import CanonicalizationMethod
from signxml.xades import XAdESSigner, XAdESVerifier

from bench._common import per_item, stats, table
from europass.credentials.example import example_credential
from europass.sealing.demo import make_demo_pki
from europass.sealing.seal import Sealer
from europass.sealing.trust import TrustAnchor, TrustStore
from europass.sealing.verify import verify


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    pki = make_demo_pki()
    documents = [example_credential().to_xml() for _ in range(args.n)]
    sealer = Sealer(pki.seal)
    signer = XAdESSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_1,
    )
    chain = [pki.seal.certificate]

    def bare_sign(document: bytes) -> bytes:
        return etree.tostring(signer.sign(etree.fromstring(document), key=pki.seal.private_key, cert=chain))

    def raw_sign(document: bytes) -> bytes:
        c14n = etree.tostring(etree.fromstring(document), method="c14n")
        return pki.seal.private_key.sign(c14n, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg, arg-type]

    for document in documents[:20]:  # warm up
        sealer.seal(document)
        bare_sign(document)
    ours = per_item(sealer.seal, documents)
    bare = per_item(bare_sign, documents)
    raw = per_item(raw_sign, documents)

    sealed = [sealer.seal(document) for document in documents]
    trust = TrustStore([TrustAnchor(pki.anchor_cert.public_bytes(Encoding.DER), "bench anchor", True)])
    verifier = XAdESVerifier()
    config = SignatureConfiguration(
        location="./{http://data.europa.eu/snb}proof/", require_x509=True, expect_references=3
    )

    def bare_verify(document: bytes) -> object:
        return verifier.verify(document, x509_cert=pki.seal.certificate, expect_config=config)

    def our_verify(document: bytes) -> object:
        report = verify(document, trust)
        assert report.valid
        return report

    for document in sealed[:20]:
        our_verify(document)
        bare_verify(document)
    our_verification = per_item(our_verify, sealed)
    bare_verification = per_item(bare_verify, sealed)

    rows = [
        ("our Sealer.seal (XAdES-B in <proof>)", stats(ours)),
        ("bare signxml XAdESSigner.sign", stats(bare)),
        ("raw cryptography RSA-2048 sign of the c14n", stats(raw)),
        ("our full offline verify (xmlsec + XAdES + path + read)", stats(our_verification)),
        ("bare signxml XAdESVerifier.verify (x509_cert)", stats(bare_verification)),
    ]
    print(f"bench/seal.py — {args.n} documents, one core")
    print(table(rows))
    figures = {
        "seal_ratio": stats(ours)["median_ms"] / stats(bare)["median_ms"],
        "verify_ratio": stats(our_verification)["median_ms"] / stats(bare_verification)["median_ms"],
    }
    print(f"seal / bare signxml sign     = {figures['seal_ratio']:.2f}x (target ≤ 1.3)")
    print(f"verify / bare signxml verify = {figures['verify_ratio']:.2f}x (target ≤ 1.5)")
    return figures


if __name__ == "__main__":
    main()
