"""Our seal (XAdES Baseline B in <proof>) verifies here and with Debian's xmlsec1; forgeries never do."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from europass.credentials.example import example_credential
from europass.credentials.model import Credential
from europass.credentials.schema import SchemaValidator
from europass.sealing.demo import DemoPKI, issue_certificate, make_demo_pki, new_key, seal_subject
from europass.sealing.keys import SealKey
from europass.sealing.report import CheckStatus
from europass.sealing.seal import Sealer
from europass.sealing.trust import TrustAnchor, TrustStore
from europass.sealing.verify import verify

DS = "http://www.w3.org/2000/09/xmldsig#"
SNB = "http://data.europa.eu/snb"


def _status(report: object, code: str) -> CheckStatus:
    check = report.check(code)  # type: ignore[attr-defined]
    assert check is not None
    return check.status  # type: ignore[no-any-return]


def test_our_sealed_credential_passes_every_offline_check(
    sealed: bytes, trust: TrustStore, schema: SchemaValidator
) -> None:
    report = verify(sealed, trust, schema=schema)
    assert report.valid and report.verdict == "verified", [c.to_dict() for c in report.checks]
    for code in (
        "well_formed",
        "schema_valid",
        "seal_intact",
        "certificate_trusted",
        "seal_qualified",
        "not_expired",
    ):
        assert _status(report, code) == CheckStatus.PASSED
    assert report.credential is not None and report.credential.holder.display_name() == "Camille Martin"
    assert report.seal is not None and report.seal.level == "qualified"


def test_the_seal_is_the_last_child_of_the_credential_inside_proof(sealed: bytes, pki: DemoPKI) -> None:
    root = etree.fromstring(sealed)
    proof = root[-1]
    assert proof.tag == f"{{{SNB}}}proof" and proof[0].tag == f"{{{DS}}}Signature"
    references = proof.findall(f".//{{{DS}}}Reference")
    assert references[0].get("URI") == ""
    digest = proof.findtext(
        ".//{http://uri.etsi.org/01903/v1.3.2#}SigningCertificateV2//{http://www.w3.org/2000/09/xmldsig#}DigestValue"
    )
    assert (
        base64.b64decode(digest or "")
        == hashlib.sha256(pki.seal.certificate.public_bytes(Encoding.DER)).digest()
    )
    assert proof.find(".//{http://uri.etsi.org/01903/v1.3.2#}SigningTime") is not None


def _xmlsec1(path: Path, anchor: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("xmlsec1") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "xmlsec1"], check=False, capture_output=True)
    assert shutil.which("xmlsec1"), "Debian's xmlsec1 is needed: apt-get install xmlsec1"
    return subprocess.run(
        [
            "xmlsec1",
            "--verify",
            "--trusted-pem",
            str(anchor),
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debians_xmlsec1_verifies_our_seal_against_the_trust_anchor_and_refuses_a_change(
    sealed: bytes, pki: DemoPKI, tmp_path: Path
) -> None:
    anchor = tmp_path / "anchor.pem"
    anchor.write_bytes(pki.anchor_cert.public_bytes(Encoding.PEM))
    good = tmp_path / "sealed.xml"
    good.write_bytes(sealed)
    result = _xmlsec1(good, anchor)
    assert result.returncode == 0 and "OK" in result.stdout + result.stderr, result.stderr
    bad = tmp_path / "tampered.xml"
    bad.write_bytes(sealed.replace(b"Camille", b"Kamille", 1))
    assert _xmlsec1(bad, anchor).returncode != 0


def test_an_ecdsa_p256_seal_works_too(schema: SchemaValidator) -> None:
    pki = make_demo_pki(key_type="ec")
    sealed = Sealer(pki.seal).seal(example_credential().to_xml())
    trust = TrustStore([TrustAnchor(pki.anchor_cert.public_bytes(Encoding.DER), "ec anchor", True)])
    report = verify(sealed, trust, schema=schema)
    assert report.valid, [c.to_dict() for c in report.checks]
    assert "ecdsa" in (report.seal.signature_algorithm if report.seal else "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"Camille Martin", b"Camille Martine"),
        (b"2001-04-12", b"2001-04-13"),
        (b"VATFR-12345678901", b"VATFR-12345678902"),
        (b"http://data.europa.eu/snb/eqf/6", b"http://data.europa.eu/snb/eqf/7"),
        (b"Mention bien", b"Mention tres bien"),
        (b"Bachelor of Computer Science", b"Master of Computer Science"),
    ],
)
def test_any_one_field_changed_fails_the_seal_check(
    sealed: bytes, trust: TrustStore, old: bytes, new: bytes
) -> None:
    assert old in sealed
    report = verify(sealed.replace(old, new), trust)
    assert _status(report, "seal_intact") == CheckStatus.FAILED and not report.valid


def test_a_credential_without_a_seal_fails(trust: TrustStore) -> None:
    report = verify(example_credential().to_xml(), trust)
    assert _status(report, "seal_intact") == CheckStatus.FAILED
    assert "no electronic seal" in report.check("seal_intact").message()  # type: ignore[union-attr]


def test_a_duplicated_signature_is_refused(sealed: bytes, trust: TrustStore) -> None:
    root = etree.fromstring(sealed)
    proof = root[-1]
    proof.append(etree.fromstring(etree.tostring(proof[0])))
    assert _status(verify(etree.tostring(root), trust), "seal_intact") == CheckStatus.FAILED


def test_a_forged_root_wrapping_the_genuine_signed_credential_is_refused(
    sealed: bytes, trust: TrustStore
) -> None:
    genuine = etree.fromstring(sealed)
    forged = etree.fromstring(
        example_credential(title=example_credential().title.of({"en": "Doctor of Forgery"})).to_xml()
    )
    forged.append(genuine)  # the signed credential nested inside a forged one
    report = verify(etree.tostring(forged), trust)
    assert not report.valid and report.credential is None


def test_a_forged_copy_inside_ds_object_is_never_read(sealed: bytes, trust: TrustStore) -> None:
    root = etree.fromstring(sealed)
    signature = root[-1][0]
    obj = etree.SubElement(signature, f"{{{DS}}}Object")
    forged = etree.fromstring(sealed.replace(b"Camille Martin", b"Mallory Forger"))
    obj.append(forged)
    report = verify(etree.tostring(root), trust)
    assert not report.valid or (
        report.credential and report.credential.holder.display_name() == "Camille Martin"
    )
    assert b"Mallory" not in str(report.to_dict()).encode()


def test_a_second_credential_beside_the_signed_one_is_refused(sealed: bytes, trust: TrustStore) -> None:
    wrapper = etree.Element("{http://data.europa.eu/snb/vp}verifiablePresentation")
    wrapper.append(etree.fromstring(example_credential().to_xml()))
    wrapper.append(etree.fromstring(sealed))
    assert not verify(etree.tostring(wrapper), trust).valid


def test_a_reference_to_an_element_elsewhere_is_refused(sealed: bytes, trust: TrustStore) -> None:
    root = etree.fromstring(sealed)
    root.find(f"{{{SNB}}}credentialSubject").set("Id", "target")  # type: ignore[union-attr]
    reference = root.find(f".//{{{DS}}}Reference")
    reference.set("URI", "#target")  # type: ignore[union-attr]
    report = verify(etree.tostring(root), trust)
    assert _status(report, "seal_intact") == CheckStatus.FAILED


def test_a_certificate_swapped_for_another_with_the_same_name_fails(
    pki: DemoPKI, sealed: bytes, trust: TrustStore
) -> None:
    impostor_key = new_key()
    impostor = issue_certificate(
        pki.anchor_cert, pki.anchor_key, pki.seal.certificate.subject, key=impostor_key
    )
    resealed = Sealer(SealKey(impostor_key, impostor)).seal(example_credential().to_xml())
    root = etree.fromstring(resealed)
    # Put the genuine certificate's bytes in the signing-certificate digest: the swap must be caught.
    genuine_digest = base64.b64encode(
        hashlib.sha256(pki.seal.certificate.public_bytes(Encoding.DER)).digest()
    ).decode()
    root.find(
        ".//{http://uri.etsi.org/01903/v1.3.2#}CertDigest/{http://www.w3.org/2000/09/xmldsig#}DigestValue"
    ).text = genuine_digest  # type: ignore[union-attr]
    assert _status(verify(etree.tostring(root), trust), "seal_intact") == CheckStatus.FAILED
    # And a certificate element replaced by another with the same subject breaks the seal too.
    swapped = sealed.replace(
        base64.b64encode(pki.seal.certificate.public_bytes(Encoding.DER))[:64],
        base64.b64encode(impostor.public_bytes(Encoding.DER))[:64],
    )
    assert not verify(swapped, trust).valid


def test_a_seal_from_an_untrusted_anchor_is_reported_with_the_way_to_trust_it(sealed: bytes) -> None:
    other = make_demo_pki()
    report = verify(
        sealed, TrustStore([TrustAnchor(other.anchor_cert.public_bytes(Encoding.DER), "other", True)])
    )
    assert _status(report, "seal_intact") == CheckStatus.PASSED
    assert _status(report, "certificate_trusted") == CheckStatus.FAILED
    assert "trust anchor" in report.check("certificate_trusted").message()  # type: ignore[union-attr]


def test_a_certificate_expired_at_the_signing_time_fails(pki: DemoPKI) -> None:
    key = new_key()
    old = issue_certificate(
        pki.anchor_cert, pki.anchor_key, seal_subject("Old", "VATFR-1", "FR"), key=key,
        valid_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), valid_days=30,
    )  # fmt: skip
    sealed = Sealer(SealKey(key, old)).seal(example_credential().to_xml())
    trust = TrustStore([TrustAnchor(pki.anchor_cert.public_bytes(Encoding.DER), "demo", True)])
    report = verify(sealed, trust)
    assert _status(report, "certificate_trusted") == CheckStatus.FAILED
    assert "expired" in report.check("certificate_trusted").message()  # type: ignore[union-attr]


def test_a_certificate_without_the_signing_key_usage_fails(pki: DemoPKI, trust: TrustStore) -> None:
    key = new_key()
    wrong = issue_certificate(
        pki.anchor_cert,
        pki.anchor_key,
        seal_subject("Wrong", "VATFR-2", "FR"),
        key=key,
        digital_signature=False,
    )
    sealer = Sealer.__new__(
        Sealer
    )  # the loader refuses such a key; build the signer around the check to test the verifier
    Sealer.__init__(sealer, SealKey(key, wrong))
    report = verify(sealer.seal(example_credential().to_xml()), trust)
    assert _status(report, "certificate_trusted") == CheckStatus.FAILED


def test_an_advanced_seal_is_a_warning_not_a_failure(sealed: bytes, pki: DemoPKI) -> None:
    trust = TrustStore([TrustAnchor(pki.anchor_cert.public_bytes(Encoding.DER), "not qualified", False)])
    report = verify(sealed, trust)
    assert report.valid and report.verdict == "partially_verified"
    assert _status(report, "seal_qualified") == CheckStatus.WARNING


def test_an_expired_credential_fails_not_expired(sealer: Sealer, trust: TrustStore) -> None:
    credential = example_credential(valid_until=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    report = verify(sealer.seal(credential.to_xml()), trust)
    assert _status(report, "not_expired") == CheckStatus.FAILED


INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop" / "edci-xml"


def _own_root(name: str, common_name: str) -> TrustStore:
    root = etree.parse(str(INTEROP / name)).getroot()
    for element in root.iter("{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedX509Certificate"):
        der = base64.b64decode("".join((element.text or "").split()))
        try:
            cert = x509.load_der_x509_certificate(der)
            subject = cert.subject.rfc4514_string()
        except ValueError:
            continue
        if common_name in subject:
            return TrustStore([TrustAnchor(der, common_name, qualified_for_seals=True)])
    raise AssertionError(f"{common_name} not found in {name}")


def _timestamping_root(data: bytes) -> list[TrustAnchor]:
    """The root of the authority whose time-stamp proves the sealing time: a time-stamp proves a time only when its
    authority is trusted."""
    from asn1crypto import cms

    token = next(etree.fromstring(data).iter("{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedTimeStamp"))
    signed = cms.ContentInfo.load(base64.b64decode("".join((token.text or "").split())))["content"]
    for certificate in signed["certificates"]:
        if certificate.chosen.self_signed in ("yes", "maybe") and certificate.chosen.ca:
            return [TrustAnchor(certificate.chosen.dump(), "time-stamping root")]
    raise AssertionError("no time-stamping root")


@pytest.mark.parametrize(
    ("name", "root_name", "proven"),
    [
        (
            "edci_credential_basic.xml",
            "Halcom Root Certificate Authority",
            dt.datetime(2020, 10, 6, 10, 30, 43, tzinfo=dt.UTC),
        ),
        (
            "EDC_DiplomaSupplement_AA.xml",
            "ANF Global Root CA",
            dt.datetime(2022, 8, 9, 13, 54, 3, tzinfo=dt.UTC),
        ),
    ],
)
def test_the_commissions_sealed_credentials_verify_at_the_time_proven_by_their_time_stamp(
    name: str, root_name: str, proven: dt.datetime
) -> None:
    data = (INTEROP / name).read_bytes()
    untrusted = verify(data, TrustStore())
    assert _status(untrusted, "seal_intact") == CheckStatus.PASSED
    assert _status(untrusted, "certificate_trusted") == CheckStatus.FAILED
    assert "is not trusted here" in untrusted.check("certificate_trusted").message()  # type: ignore[union-attr]
    claimed = verify(
        data, _own_root(name, root_name)
    )  # the time-stamp's authority is not trusted: not proven
    assert claimed.seal is not None and claimed.seal.time_source == "claimed"
    assert _status(claimed, "certificate_trusted") == CheckStatus.WARNING
    report = verify(data, _own_root(name, root_name).with_anchors(_timestamping_root(data)))
    assert _status(report, "certificate_trusted") == CheckStatus.PASSED, report.check("certificate_trusted")
    assert (
        report.seal is not None
        and report.seal.time_source == "timestamp"
        and report.seal.proven_time == proven
    )
    assert "expired since" in report.check("certificate_trusted").message()  # type: ignore[union-attr]
    if name.startswith("EDC_Diploma"):
        assert _status(report, "seal_qualified") == CheckStatus.PASSED
    tampered = data.replace(b"Andromeda", b"Andromedb", 1)
    assert _status(verify(tampered, TrustStore()), "seal_intact") == CheckStatus.FAILED


def test_the_report_carries_the_commissions_verification_codes(sealed: bytes, trust: TrustStore) -> None:
    checks = {c["code"]: c for c in verify(sealed, trust).to_dict()["checks"]}
    assert checks["seal_intact"]["ec_check"] == "http://data.europa.eu/snb/verification/f9c2016fe9"
    assert checks["seal_intact"]["ec_status"] == "http://data.europa.eu/snb/verification-status/9895008394"
    assert checks["not_revoked"]["ec_status"] == "http://data.europa.eu/snb/verification-status/641f0c5e5d"


def test_the_credential_read_after_verification_comes_from_the_signed_document(
    sealed: bytes, trust: TrustStore
) -> None:
    report = verify(sealed, trust)
    assert report.credential == Credential.from_xml(sealed)
