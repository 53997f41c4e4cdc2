"""XAdES B-LTA: our sealer's archive time-stamp (xades141:ArchiveTimeStamp, EN 319 132-1 V1.1.1 5.5.2) verifies with
our verifier and with Debian's xmlsec1, its imprint is a known answer recomputed here from the spec's steps (with
signxml's own reference processing), and one changed byte of anything it covers fails the seal."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import XMLVerifier

from europass.credentials.example import example_credential
from europass.credentials.schema import SchemaValidator
from europass.sealing.demo import DemoPKI
from europass.sealing.evidence import SealRefused
from europass.sealing.jades_seal import ValidationValues
from europass.sealing.keys import SealKey
from europass.sealing.report import CheckStatus
from europass.sealing.seal import Sealer
from europass.sealing.trust import TrustStore
from europass.sealing.verify import verify
from europass.sealing.xades import archive_timestamp_data, verify_xades

from .jades_maker import TestTSA, der
from .test_seal_and_verify import _xmlsec1

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N_TRANSFORMS = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2006/12/xml-c14n11",
    EXC_C14N,
}
MISMATCH = (
    "The seal's archive time-stamp does not match the seal, or its signature is broken.",
    "L'horodatage d'archivage du cachet ne correspond pas au cachet, ou sa signature est rompue.",
)


class Stamper:
    """The sealer's time-stamper interface over the test TSA (in process, no network), counting its calls."""

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
def collect(pki: DemoPKI) -> Callable[[SealKey], ValidationValues]:
    """B-LT values: the anchor's certificate and a CRL it issued (what a collector would fetch)."""
    now = dt.datetime.now(dt.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.anchor_cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .sign(pki.anchor_key, hashes.SHA256())
        .public_bytes(Encoding.DER)
    )
    return lambda key: ValidationValues(certificates=[der(pki.anchor_cert)], crls=[crl])


@pytest.fixture(scope="module")
def lta(pki: DemoPKI, tsa: TestTSA, collect: Callable[[SealKey], ValidationValues]) -> bytes:
    return Sealer(pki.seal, timestamper=Stamper(tsa), validation=collect, archive=True).seal(  # type: ignore[arg-type]
        example_credential().to_xml()
    )


def _signature(root: etree._Element) -> etree._Element:
    signature = root.find(f".//{{{DS}}}Signature")
    assert signature is not None
    return signature


def _unsigned(root: etree._Element) -> etree._Element:
    properties = root.find(f".//{{{XADES}}}UnsignedSignatureProperties")
    assert properties is not None
    return properties


def _imprint(stamp: etree._Element) -> tuple[str, bytes]:
    text = stamp.findtext(f"{{{XADES}}}EncapsulatedTimeStamp") or ""
    info = cms.ContentInfo.load(base64.b64decode(text))["content"]["encap_content_info"]["content"].parsed
    imprint = info["message_imprint"]
    return imprint["hash_algorithm"]["algorithm"].native, imprint["hashed_message"].native


def _refused(document: bytes) -> SealRefused:
    root = etree.fromstring(document)
    with pytest.raises(SealRefused) as refused:
        verify_xades(root, root)
    return refused.value


def _flip(document: bytes, start: bytes, offset: int) -> bytes:
    """One byte changed, ``offset`` bytes after the first occurrence of ``start``."""
    position = document.index(start) + len(start) + offset
    old = document[position : position + 1]
    new = b"B" if old != b"B" else b"C"
    return document[:position] + new + document[position + 1 :]


def test_a_b_lta_seal_verifies_with_our_verifier_and_its_time_stays_the_signature_time_stamps(
    pki: DemoPKI,
    tsa: TestTSA,
    collect: Callable[[SealKey], ValidationValues],
    trust: TrustStore,
    schema: SchemaValidator,
) -> None:
    stamper = Stamper(tsa)
    sealer = Sealer(pki.seal, timestamper=stamper, validation=collect, archive=True)  # type: ignore[arg-type]
    document = sealer.seal(example_credential().to_xml())
    assert stamper.calls == 2  # the signature time-stamp, then the archive time-stamp
    root = etree.fromstring(document)
    properties = _unsigned(root)
    assert [etree.QName(child).localname for child in properties] == [
        "SignatureTimeStamp",
        "CertificateValues",
        "RevocationValues",
        "ArchiveTimeStamp",
    ]
    stamp = properties[-1]
    assert stamp.tag == f"{{{XADES141}}}ArchiveTimeStamp" and stamp.get("Id", "").startswith("ATS-")
    assert [child.tag for child in stamp] == [
        f"{{{DS}}}CanonicalizationMethod",
        f"{{{XADES}}}EncapsulatedTimeStamp",
    ]
    assert stamp[0].get("Algorithm") == EXC_C14N
    report = verify(document, trust, schema=schema)
    assert report.valid and report.verdict == "verified", [c.to_dict() for c in report.checks]
    assert report.check("seal_intact").status == CheckStatus.PASSED  # type: ignore[union-attr]
    evidence = verify_xades(root, root)
    signature_stamp = properties[0].findtext(f"{{{XADES}}}EncapsulatedTimeStamp") or ""
    signature_info = cms.ContentInfo.load(base64.b64decode(signature_stamp))["content"]["encap_content_info"]
    assert evidence.proven_time == signature_info["content"].parsed["gen_time"].native
    assert report.seal is not None and report.seal.time_source == "timestamp"
    assert evidence.timestamp_certificates[0] == der(tsa.certificate)
    assert der(pki.anchor_cert) in evidence.certificates and len(evidence.crls) == 1


def test_debians_xmlsec1_verifies_a_b_lta_seal_and_refuses_a_change(
    lta: bytes, pki: DemoPKI, tmp_path: Path
) -> None:
    anchor = tmp_path / "anchor.pem"
    anchor.write_bytes(pki.anchor_cert.public_bytes(Encoding.PEM))
    good = tmp_path / "lta.xml"
    good.write_bytes(lta)
    result = _xmlsec1(good, anchor)
    assert result.returncode == 0 and "OK" in result.stdout + result.stderr, result.stderr
    bad = tmp_path / "tampered.xml"
    bad.write_bytes(lta.replace(b"Camille", b"Kamille", 1))
    assert _xmlsec1(bad, anchor).returncode != 0


def _spec_data(document: bytes) -> bytes:
    """EN 319 132-1 5.5.2.2, recomputed independently of europass.sealing.xades: a) each ds:Reference through
    signxml's own reference processing (dereference, transforms; a node-set canonicalised with the archive
    time-stamp's exclusive c14n); b) SignedInfo, SignatureValue, KeyInfo; c) the unsigned signature properties
    before the archive time-stamp; d) the ds:Objects but the QualifyingProperties one."""
    root = etree.fromstring(document)
    signature = _signature(root)

    def c14n(element: etree._Element) -> bytes:
        return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)

    verifier = XMLVerifier()
    data = b""
    for index, reference in enumerate(signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")):
        copy = etree.fromstring(document)  # signxml's transforms take the signature out of the tree they get
        copied_signature = _signature(copy)
        copied_reference = copied_signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")[index]
        payload = verifier._resolve_reference(copy, copied_reference)
        transforms = copied_reference.find(f"{{{DS}}}Transforms")
        algorithms = [t.get("Algorithm") for t in (transforms if transforms is not None else [])]
        if algorithms and algorithms[-1] in C14N_TRANSFORMS:  # an octet stream: exactly what is digested
            octets = verifier._apply_transforms(
                payload, transforms_node=transforms, signature=copied_signature
            )
            digest = base64.b64decode(reference.findtext(f"{{{DS}}}DigestValue") or "")
            assert hashlib.sha256(octets).digest() == digest  # pins signxml's reference processing
        else:  # a node-set: canonicalised with the archive time-stamp's algorithm
            octets = c14n(payload)
        data += octets
    for name in ("SignedInfo", "SignatureValue", "KeyInfo"):
        data += c14n(signature.find(f"{{{DS}}}{name}"))  # type: ignore[arg-type]
    for child in _unsigned(root):
        if child.tag == f"{{{XADES141}}}ArchiveTimeStamp":
            break
        data += c14n(child)
    for obj in signature.findall(f"{{{DS}}}Object"):
        if obj.find(f"{{{XADES}}}QualifyingProperties") is None:
            data += c14n(obj)
    return data


def test_the_archive_time_stamps_imprint_is_the_hash_of_the_data_recomputed_from_the_spec_steps(
    lta: bytes,
) -> None:
    root = etree.fromstring(lta)
    stamp = _unsigned(root)[-1]
    algorithm, imprint = _imprint(stamp)
    expected = _spec_data(lta)
    assert algorithm == "sha256" and hashlib.sha256(expected).digest() == imprint
    assert archive_timestamp_data(_signature(root), stamp) == expected
    # a) begins with the credential minus its signature, canonicalised (the C14N 1.1 octets it is signed as)
    credential = etree.fromstring(lta)
    signature = _signature(credential)
    assert not signature.tail
    signature.getparent().remove(signature)  # type: ignore[union-attr]
    assert expected.startswith(etree.tostring(credential.getroottree(), method="c14n", with_comments=False))


@pytest.mark.parametrize(
    ("where", "start", "offset"),
    [
        (
            "a certificate of the CertificateValues",
            b"<xades:CertificateValues><xades:EncapsulatedX509Certificate>",
            200,
        ),
        ("the CRL of the RevocationValues", b"<xades:EncapsulatedCRLValue>", 100),
        ("the Id of the SignatureTimeStamp", b'<xades:SignatureTimeStamp Id="TS-', 0),
    ],
)
def test_one_changed_byte_in_what_only_the_archive_time_stamp_covers_fails_the_seal(
    lta: bytes, trust: TrustStore, where: str, start: bytes, offset: int
) -> None:
    tampered = _flip(lta, start, offset)
    refused = _refused(tampered)
    assert (refused.text.shown("en"), refused.text.shown("fr")) == MISMATCH, where
    report = verify(tampered, trust)
    check = report.check("seal_intact")
    assert check is not None and check.status == CheckStatus.FAILED and not report.valid
    assert check.message() == MISMATCH[0] and check.message("fr") == MISMATCH[1]


def test_one_changed_byte_in_the_signature_time_stamp_or_the_credential_fails_the_seal(
    lta: bytes, trust: TrustStore
) -> None:
    for tampered in (
        _flip(lta, b"<xades:SignatureTimeStamp", 200),  # inside its token
        lta.replace(b"Camille Martin", b"Camille Martine", 1),
    ):
        _refused(tampered)
        assert verify(tampered, trust).check("seal_intact").status == CheckStatus.FAILED  # type: ignore[union-attr]


def test_a_ds_object_added_to_the_signature_after_archiving_fails_the_archive_time_stamp(lta: bytes) -> None:
    root = etree.fromstring(lta)
    etree.SubElement(_signature(root), f"{{{DS}}}Object", Id="later").text = "added after archiving"
    refused = _refused(etree.tostring(root))
    assert (refused.text.shown("en"), refused.text.shown("fr")) == MISMATCH


def test_an_archive_time_stamp_over_other_data_is_refused(lta: bytes, tsa: TestTSA) -> None:
    root = etree.fromstring(lta)
    token = _unsigned(root)[-1].find(f"{{{XADES}}}EncapsulatedTimeStamp")
    assert token is not None
    token.text = base64.b64encode(tsa.token(b"something else")).decode()
    refused = _refused(etree.tostring(root))
    assert (refused.text.shown("en"), refused.text.shown("fr")) == MISMATCH


def _add_archive_stamp(
    root: etree._Element, tsa: TestTSA, tag: str = f"{{{XADES141}}}ArchiveTimeStamp"
) -> None:
    """One more archive time-stamp over everything before it (as a later re-archiving would add)."""
    stamp = etree.SubElement(_unsigned(root), tag, Id=f"ATS-{len(_unsigned(root))}")
    etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
    data = archive_timestamp_data(_signature(root), stamp)
    etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp").text = base64.b64encode(
        tsa.token(data)
    ).decode()


def test_a_second_archive_time_stamp_covers_the_first_and_more_than_eight_are_refused(
    lta: bytes, tsa: TestTSA
) -> None:
    root = etree.fromstring(lta)
    _add_archive_stamp(root, tsa)
    renewed = etree.tostring(root)
    again = etree.fromstring(renewed)
    verify_xades(again, again)
    # the first archive time-stamp is covered by the second: one byte of its Id changed fails the seal
    refused = _refused(_flip(renewed, b'Id="ATS-', 0))
    assert (refused.text.shown("en"), refused.text.shown("fr")) == MISMATCH
    for _ in range(7):
        _add_archive_stamp(root, tsa)
    refused = _refused(etree.tostring(root))
    assert "more than 8" in refused.text.shown("en") and "plus de 8" in refused.text.shown("fr")


def test_an_archive_time_stamp_in_the_v1_3_2_namespace_is_checked_too(lta: bytes, tsa: TestTSA) -> None:
    root = etree.fromstring(lta)
    _unsigned(root).remove(_unsigned(root)[-1])
    _add_archive_stamp(root, tsa, tag=f"{{{XADES}}}ArchiveTimeStamp")
    document = etree.tostring(root)
    again = etree.fromstring(document)
    verify_xades(again, again)
    refused = _refused(_flip(document, b"<xades:EncapsulatedCRLValue>", 100))
    assert (refused.text.shown("en"), refused.text.shown("fr")) == MISMATCH


def test_a_b_lt_seal_without_archive_still_verifies_with_one_time_stamp(
    pki: DemoPKI, tsa: TestTSA, collect: Callable[[SealKey], ValidationValues], trust: TrustStore
) -> None:
    stamper = Stamper(tsa)
    document = Sealer(pki.seal, timestamper=stamper, validation=collect).seal(example_credential().to_xml())  # type: ignore[arg-type]
    assert stamper.calls == 1
    root = etree.fromstring(document)
    assert root.find(f".//{{{XADES141}}}ArchiveTimeStamp") is None
    assert verify_xades(root, root).time_source == "timestamp"
    assert verify(document, trust).check("seal_intact").status == CheckStatus.PASSED  # type: ignore[union-attr]


def test_the_sealer_reports_each_level_and_archives_only_with_a_time_stamper(
    pki: DemoPKI, tsa: TestTSA, collect: Callable[[SealKey], ValidationValues]
) -> None:
    stamper = Stamper(tsa)
    levels = [
        Sealer(pki.seal).level,
        Sealer(pki.seal, timestamper=stamper).level,  # type: ignore[arg-type]
        Sealer(pki.seal, timestamper=stamper, validation=collect).level,  # type: ignore[arg-type]
        Sealer(pki.seal, timestamper=stamper, validation=collect, archive=True).level,  # type: ignore[arg-type]
    ]
    assert levels == ["B-B", "B-T", "B-LT", "B-LTA"]
    untimed = Sealer(pki.seal, archive=True)
    assert not untimed.archive and untimed.level == "B-B"
    assert b"ArchiveTimeStamp" not in untimed.seal(example_credential().to_xml())
