"""Our XAdES seal is signxml's, element for element, and verifies with libxmlsec1, signxml and Debian's xmlsec1.

The seal is assembled by ``europass.sealing.xades_sign`` (half the cost of signxml's signer); signxml's signer is
the reference it is compared with here, for RSA and EC keys and a certificate chain.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod
from signxml.algorithms import CanonicalizationMethod
from signxml.exceptions import InvalidSignature
from signxml.xades import XAdESSigner, XAdESVerifier

from europass.credentials.example import example_credential
from europass.sealing.demo import make_demo_pki
from europass.sealing.keys import SealKey
from europass.sealing.seal import Sealer
from europass.sealing.trust import TrustAnchor, TrustStore
from europass.sealing.verify import verify

DS = "http://www.w3.org/2000/09/xmldsig#"
SNB = "http://data.europa.eu/snb"
# What differs from one seal to the next: Ids (random), digests, values, the signing time.
VARIABLE_TEXT = {"DigestValue", "SignatureValue", "SigningTime"}
VARIABLE_ATTRIBUTES = {"Id", "URI", "Target", "ObjectReference"}


def _chained_key(key_type: str) -> tuple[SealKey, bytes]:
    """A seal key whose chain carries its authority's certificate too: two certificates in the seal."""
    pki = make_demo_pki(key_type=key_type)  # type: ignore[arg-type]
    return SealKey(
        pki.seal.private_key, pki.seal.certificate, (pki.anchor_cert,)
    ), pki.anchor_cert.public_bytes(Encoding.DER)


def _signxml_seal(document: bytes, seal_key: SealKey, key_type: str) -> bytes:
    signer = XAdESSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256 if key_type == "ec" else SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_1,
    )
    root = etree.fromstring(document)
    proof = etree.SubElement(root, f"{{{SNB}}}proof")
    etree.SubElement(proof, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    signed = signer.sign(root, key=seal_key.private_key, cert=[seal_key.certificate, *seal_key.chain])
    return etree.tostring(signed)


def _shape(sealed: bytes) -> list[tuple[object, ...]]:
    """The signature as a list of (tag, namespace declarations, attributes, text), the variable parts blanked."""
    signature = etree.fromstring(sealed).find(f"{{{SNB}}}proof/{{{DS}}}Signature")
    assert signature is not None
    shape: list[tuple[object, ...]] = []
    for element in signature.iter():
        local = etree.QName(element).localname
        attributes = tuple(
            sorted(
                (name, "…" if name in VARIABLE_ATTRIBUTES and value else value)
                for name, value in element.items()
            )
        )
        parent = element.getparent()
        declared = tuple(
            sorted(set(element.nsmap.items()) - set(parent.nsmap.items() if parent is not None else ()))
        )
        text = "…" if local in VARIABLE_TEXT else (element.text or "").strip()
        shape.append((element.tag, declared, attributes, text))
    return shape


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_our_seal_is_signxmls_xades_signature_element_for_element(key_type: str) -> None:
    seal_key, _ = _chained_key(key_type)
    document = example_credential().to_xml()
    ours = Sealer(seal_key).seal(document)
    reference = _signxml_seal(document, seal_key, key_type)
    assert _shape(ours) == _shape(reference)
    assert len(_shape(ours)) > 30


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_our_seal_verifies_with_our_verifier_and_with_signxmls(key_type: str) -> None:
    seal_key, anchor = _chained_key(key_type)
    sealed = Sealer(seal_key).seal(example_credential().to_xml())
    report = verify(sealed, TrustStore([TrustAnchor(anchor, "test anchor", True)]))
    assert report.valid, [check for check in report.checks if check.status != "passed"]
    result = XAdESVerifier().verify(
        sealed,
        x509_cert=seal_key.certificate,
        expect_config=SignatureConfiguration(
            location=f"./{{{SNB}}}proof/", require_x509=True, expect_references=3
        ),
    )
    assert result


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="Debian's xmlsec1 is installed by make test")
@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_our_seal_verifies_with_debians_xmlsec1(key_type: str, tmp_path: Path) -> None:
    seal_key, _ = _chained_key(key_type)
    (tmp_path / "sealed.xml").write_bytes(Sealer(seal_key).seal(example_credential().to_xml()))
    (tmp_path / "cert.pem").write_bytes(seal_key.certificate.public_bytes(Encoding.PEM))
    command = ["xmlsec1", "--verify", "--pubkey-cert-pem", str(tmp_path / "cert.pem")]
    command += ["--id-attr:Id", "SignedProperties", "--id-attr:Id", "KeyInfo", str(tmp_path / "sealed.xml")]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 3/3" in result.stdout + result.stderr


def test_a_document_changed_after_sealing_fails_every_verifier(tmp_path: Path) -> None:
    seal_key, anchor = _chained_key("rsa")
    sealed = Sealer(seal_key).seal(example_credential().to_xml())
    forged = sealed.replace(b"urn:uuid:", b"urn:uuid:0", 1)
    assert forged != sealed
    assert not verify(forged, TrustStore([TrustAnchor(anchor, "test anchor", True)])).valid
    with pytest.raises(InvalidSignature):  # signxml: InvalidDigest
        XAdESVerifier().verify(
            forged,
            x509_cert=seal_key.certificate,
            expect_config=SignatureConfiguration(
                location=f"./{{{SNB}}}proof/", require_x509=True, expect_references=3
            ),
        )


def test_sealing_a_built_tree_gives_the_seal_of_its_bytes() -> None:
    seal_key, anchor = _chained_key("rsa")
    credential = example_credential(id="urn:uuid:00000000-0000-0000-0000-000000000001")
    sealer = Sealer(seal_key)
    from_bytes = etree.fromstring(sealer.seal(credential.to_xml()))
    from_tree = etree.fromstring(sealer.seal_element(credential.to_element()))
    document_digest = (
        f"{{{SNB}}}proof/{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestValue"
    )
    assert from_tree.findtext(document_digest) == from_bytes.findtext(document_digest)
    assert verify(etree.tostring(from_tree), TrustStore([TrustAnchor(anchor, "test anchor", True)])).valid
