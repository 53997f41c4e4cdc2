"""Forgeries that keep a genuine seal: what the verifier reads must be exactly what the seal covers.

- Split text: canonical XML (what the seal covers) drops comments and processing instructions, so a comment
  inserted into sealed text leaves the seal intact; the reader must read the whole text, never its first piece.
- Unsigned qualifying properties: only the ``SignedProperties`` a signed reference covers count.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from europass.credentials.model import (
    AwardingBody,
    Credential,
    CredentialStatus,
    MultilingualText,
    find_credential_element,
)
from europass.sealing.report import CheckStatus
from europass.status.services import status_set
from tests.verification.conftest import Make
from verification.services import verify_xml

pytestmark = pytest.mark.django_db

XADES = "http://uri.etsi.org/01903/v1.3.2#"
DS = "http://www.w3.org/2000/09/xmldsig#"


def _insert(xml: bytes, path: str, at: int, node: etree._Element) -> bytes:
    """Put ``node`` (a comment or PI) inside the text of the element found at ``path``, ``at`` characters in."""
    root = etree.fromstring(xml)
    element = root.xpath(path, namespaces={"s": "http://data.europa.eu/snb", "c": Credential_NS})[0]
    text = element.text or ""
    element.text = text[:at]
    node.tail = text[at:]
    element.insert(0, node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


Credential_NS = "http://data.europa.eu/europass/model/credentials/w3c#"


def test_a_comment_inside_the_status_entry_of_a_revoked_credential_still_reads_as_revoked(
    make: Make, allocation: Any
) -> None:
    xml = make(status=CredentialStatus(url=allocation.status_list.url, index=allocation.start + 3))
    status_set(status_list=allocation.status_list, index=allocation.start + 3)
    assert verify_xml(xml).check("not_revoked").status == CheckStatus.FAILED  # type: ignore[union-attr]

    forged = _insert(
        xml, "/s:europassCredential/s:identifier[@schemeID='BitstringStatusListEntry']", 8, etree.Comment("")
    )
    report = verify_xml(forged)

    assert report.check("seal_intact").status == CheckStatus.PASSED  # type: ignore[union-attr]  # the seal ignores comments
    assert report.check("not_revoked").status == CheckStatus.FAILED  # type: ignore[union-attr]
    assert report.verdict == "failed"


def test_a_comment_inside_the_expiry_date_of_an_expired_credential_still_reads_as_expired(
    make: Make, register: Any
) -> None:
    xml = make(valid_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    forged = _insert(xml, "/s:europassCredential/c:validUntil", 4, etree.Comment("x"))
    report = verify_xml(forged)
    check = report.check("not_expired")
    assert check is not None and check.status == CheckStatus.FAILED, check
    assert "2020-01-01" in check.message("en")
    assert report.verdict == "failed"


def test_a_processing_instruction_inside_the_holder_name_breaks_the_seal_and_never_splits_the_name(
    make: Make, register: Any
) -> None:
    xml = make()
    forged = _insert(
        xml, "//s:credentialSubject/s:familyName/s:text", 2, etree.ProcessingInstruction("php", "echo 1")
    )
    report = verify_xml(forged)
    assert report.check("seal_intact").status == CheckStatus.FAILED  # type: ignore[union-attr]  # c14n keeps PIs
    assert Credential.from_xml(forged).holder.family_name.get("en") == "Martin"  # the wallet's reading too


def _text_elements(root: etree._Element) -> list[etree._Element]:
    """Every element of the credential (outside the seal) with non-empty text, in document order."""
    return [
        element
        for element in find_credential_element(root).iter(tag=etree.Element)
        if (element.text or "").strip()
        and not any(etree.QName(a).localname == "proof" for a in (element, *element.iterancestors()))
    ]


@pytest.fixture(scope="module")
def sealed_once(pki: Any) -> bytes:
    from europass.credentials.example import example_credential
    from europass.sealing.seal import Sealer
    from tests.verification.conftest import SITE

    return Sealer(pki.seal).seal(
        example_credential(site=SITE, valid_until=dt.datetime(2031, 1, 1, tzinfo=dt.UTC)).to_xml()
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_comment_or_pi_in_any_sealed_text_is_refused_or_read_identically(
    data: st.DataObject, sealed_once: bytes, register: Any
) -> None:
    original = verify_xml(sealed_once)
    assert original.credential is not None
    root = etree.fromstring(sealed_once)
    candidates = _text_elements(root)
    element = candidates[data.draw(st.integers(0, len(candidates) - 1), label="element")]
    at = data.draw(st.integers(0, len(element.text or "")), label="offset")
    node = data.draw(
        st.sampled_from(
            [etree.Comment(""), etree.Comment(" forged "), etree.ProcessingInstruction("x", "y")]
        ),
        label="node",
    )
    text = element.text or ""
    element.text = text[:at]
    node.tail = text[at:]
    element.insert(0, copy.copy(node))
    forged = etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    report = verify_xml(forged)

    if report.credential is None:  # refused: fine
        assert report.verdict == "failed"
        return
    assert report.credential == original.credential
    assert [(c.code, c.status) for c in report.checks] == [(c.code, c.status) for c in original.checks]


# --- unsigned qualifying properties ---------------------------------------------------------------------------


def _with_unsigned_properties(xml: bytes, signing_time: str, *, before: bool = True) -> bytes:
    """A ``ds:Object`` with a second, unsigned ``QualifyingProperties`` claiming another signing time."""
    root = etree.fromstring(xml)
    signature = root.find(f".//{{{DS}}}Signature")
    assert signature is not None
    genuine = signature.find(f".//{{{XADES}}}QualifyingProperties")
    assert genuine is not None
    fake = copy.deepcopy(genuine)
    for element in fake.iter():
        if element.get("Id"):
            element.set("Id", element.get("Id") + "-fake")
    time = fake.find(f".//{{{XADES}}}SigningTime")
    assert time is not None
    time.text = signing_time
    obj = etree.Element(f"{{{DS}}}Object")
    obj.append(fake)
    genuine_object = genuine.getparent()
    assert genuine_object is not None
    index = list(signature).index(genuine_object)
    signature.insert(index if before else index + 1, obj)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("before", [True, False], ids=["before the genuine", "after the genuine"])
def test_an_unsigned_signed_properties_with_another_signing_time_is_refused(
    make: Make, register: Any, before: bool
) -> None:
    xml = make()
    genuine = verify_xml(xml)
    assert genuine.verdict == "verified"
    forged = _with_unsigned_properties(xml, "2001-01-01T00:00:00Z", before=before)
    report = verify_xml(forged)
    check = report.check("seal_intact")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "does not sign" in check.message("en") and "ne signe pas" in check.message("fr")


def test_a_seal_whose_signed_properties_reference_was_removed_is_refused(make: Make, register: Any) -> None:
    root = etree.fromstring(make())
    for reference in root.iter(f"{{{DS}}}Reference"):
        if reference.get("Type", "").endswith("#SignedProperties"):
            reference.set("Type", "http://www.w3.org/2000/09/xmldsig#Object")
    report = verify_xml(etree.tostring(root))
    assert report.check("seal_intact").status == CheckStatus.FAILED  # type: ignore[union-attr]


def test_the_signing_time_is_read_from_the_signed_properties_only(make: Make, register: Any) -> None:
    xml = make()
    root = etree.fromstring(xml)
    signed = root.find(f".//{{{XADES}}}SignedProperties")
    assert signed is not None
    unsigned = etree.SubElement(signed.getparent(), f"{{{XADES}}}UnsignedProperties")  # type: ignore[arg-type]
    extra = etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
    etree.SubElement(
        etree.SubElement(extra, f"{{{XADES}}}SignedSignatureProperties"), f"{{{XADES}}}SigningTime"
    ).text = "2001-01-01T00:00:00Z"
    report = verify_xml(etree.tostring(root))
    assert report.seal is not None and report.seal.signing_time is not None
    assert report.seal.signing_time.year != 2001


# --- the awarding body is bound to the sealer -----------------------------------------------------------------

ELSEWHERE = AwardingBody(
    id="https://elsewhere.example/org/42",
    name=MultilingualText({"en": "Elsewhere College"}),
    legal_identifier="VATBE-0999999999",
    country="BE",
)


def test_a_credential_naming_demo_university_sealed_by_another_organisation_fails(
    make_for: Any, register: Any
) -> None:
    forged = make_for(
        org_name="Elsewhere College", org_identifier="VATBE-0999999999"
    )  # names Demo University
    report = verify_xml(forged)
    assert report.check("certificate_trusted").status == CheckStatus.PASSED  # type: ignore[union-attr]
    check = report.check("sealer_is_issuer")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "VATBE-0999999999" in check.message("en") and "Demo University" in check.message("en")
    assert check.to_dict()["ec_check"].endswith("/f9c2016fe9")  # the seal check's EU code
    assert report.check("issuer_accredited").status != CheckStatus.PASSED  # type: ignore[union-attr]
    assert report.verdict == "failed"


def test_the_same_legal_name_with_another_identifier_fails(make_for: Any, register: Any) -> None:
    forged = make_for(org_name="Demo University", org_identifier="VATFR-99999999999", country="FR")
    report = verify_xml(forged)
    assert report.check("sealer_is_issuer").status == CheckStatus.FAILED  # type: ignore[union-attr]
    assert report.verdict == "failed"


def test_a_credential_claiming_another_identifier_for_a_registered_body_fails(
    make_for: Any, register: Any
) -> None:
    """The forger writes its own identifier into a credential issued at Demo University's register address."""
    from dataclasses import replace

    from europass.credentials.example import example_credential
    from tests.verification.conftest import SITE

    body = replace(example_credential(site=SITE).awarding_body, legal_identifier="VATBE-0999999999")
    forged = make_for(org_name="Demo University", org_identifier="VATBE-0999999999", awarding_body=body)
    report = verify_xml(forged)
    check = report.check("sealer_is_issuer")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "register" in check.message("en")
    assert report.verdict == "failed"


def test_a_seal_certificate_without_organisation_identifier_is_a_warning_that_keeps_the_verdict_below_verified(
    make_for: Any, register: Any
) -> None:
    xml = make_for(org_name="Demo University", org_identifier=None, country="FR")
    report = verify_xml(xml)
    check = report.check("sealer_is_issuer")
    assert check is not None and check.status == CheckStatus.WARNING
    assert "no organisation identifier" in check.message("en")
    assert report.check("issuer_accredited").status == CheckStatus.WARNING  # type: ignore[union-attr]
    assert report.verdict == "partially_verified"


def test_a_seal_certificate_the_register_records_as_the_bodys_own_vouches_without_identifier(
    pki: Any, register: Any
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from europass.credentials.example import example_credential
    from europass.registry.services import seal_certificate_record
    from europass.sealing.demo import issue_certificate, new_key, seal_subject
    from europass.sealing.keys import SealKey
    from europass.sealing.seal import Sealer
    from tests.verification.conftest import SITE

    key = new_key("ec")
    subject = x509.Name(
        [a for a in seal_subject("Demo University", "x", "FR") if a.oid.dotted_string != "2.5.4.97"]
    )
    cert = issue_certificate(pki.anchor_cert, pki.anchor_key, subject, key=key)
    xml = Sealer(SealKey(key, cert, ())).seal(example_credential(site=SITE).to_xml())
    seal_certificate_record(organisation=register, der=cert.public_bytes(serialization.Encoding.DER))
    report = verify_xml(xml)
    assert report.check("sealer_is_issuer").status == CheckStatus.PASSED  # type: ignore[union-attr]
    assert report.verdict == "verified"


def test_our_status_list_does_not_vouch_for_a_credential_sealed_by_another_organisation(
    make_for: Any, allocation: Any
) -> None:
    xml = make_for(
        org_name="Elsewhere College",
        org_identifier="VATBE-0999999999",
        awarding_body=ELSEWHERE,
        status=CredentialStatus(url=allocation.status_list.url, index=allocation.start),
    )
    report = verify_xml(xml)
    assert report.check("sealer_is_issuer").status == CheckStatus.PASSED  # type: ignore[union-attr]
    check = report.check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert "another organisation" in check.message("en")


def _on_behalf_of_demo(make_for: Any) -> bytes:
    from dataclasses import replace

    from europass.credentials.example import example_credential
    from tests.verification.conftest import SITE

    genuine = example_credential(site=SITE)
    achievement = replace(genuine.achievements[0], awarded_by=genuine.awarding_body)
    return make_for(
        org_name="Elsewhere College",
        org_identifier="VATBE-0999999999",
        awarding_body=ELSEWHERE,
        achievements=(achievement,),
    )


def test_a_credential_issued_on_behalf_of_demo_university_without_a_mandate_fails_and_names_both(
    make_for: Any, register: Any
) -> None:
    report = verify_xml(_on_behalf_of_demo(make_for))
    assert report.check("sealer_is_issuer").status == CheckStatus.PASSED  # type: ignore[union-attr]
    check = report.check("issuer_accredited")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "Elsewhere College" in check.message("en") and "Demo University" in check.message("en")
    assert "mandate" in check.message("en") and "mandat" in check.message("fr")
    assert report.verdict == "failed"
    summary = report.to_dict()["credential"]
    assert summary["awarding_body"]["name"] == "Elsewhere College"
    assert summary["achievements"][0]["awarded_by"]["name"] == "Demo University"


def test_a_credential_issued_on_behalf_of_demo_university_with_a_mandate_in_the_register_passes(
    make_for: Any, register: Any
) -> None:
    from europass.registry.models import Mandate, Organisation

    elsewhere = Organisation.objects.create(
        slug="elsewhere", legal_name="Elsewhere College", legal_identifier="VATBE-0999999999", country="BE"
    )
    Mandate.objects.create(issuer=elsewhere, awarding_body=register, valid_from=dt.date(2020, 1, 1))
    report = verify_xml(_on_behalf_of_demo(make_for))
    check = report.check("issuer_accredited")
    assert check is not None and check.status == CheckStatus.PASSED, check
    assert check.details["issued_on_behalf_of"] == ["Demo University"]
    assert report.verdict == "verified"
