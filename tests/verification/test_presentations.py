"""Verifiable presentations (ELM v2 ``vp:verifiablePresentation``): the seal is the presenter's, the ``vp:issuer``.

What the seal proves is who presents the credential. When the presenter is not the awarding body, the seal is bound
to the presenter only: a warning when the awarding body is unknown here (the Commission's Diploma Supplement
sample), a failure when the register knows the awarding body (its own seal was expected), and a failure when the
seal is neither the presenter's nor the awarding body's.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from lxml import etree

from europass.credentials.example import example_credential
from europass.credentials.model import AwardingBody, MultilingualText
from europass.sealing.demo import DemoPKI, issue_certificate, new_key, seal_subject
from europass.sealing.keys import SealKey
from europass.sealing.report import CheckStatus, VerificationReport
from europass.sealing.seal import Sealer
from verification.services import verify_xml

from .conftest import SITE

pytestmark = pytest.mark.django_db

SNB = "http://data.europa.eu/snb"
VP = "http://data.europa.eu/snb/vp"

STRANGER = AwardingBody(
    id="urn:epass:org:stranger",
    name=MultilingualText({"en": "Stranger Polytechnic"}),
    legal_identifier="VATIT-99999999999",
    country="IT",
)


def presentation(credential_xml: bytes, presenter_name: str, presenter_identifier: str) -> bytes:
    root = etree.Element(f"{{{VP}}}verifiablePresentation", nsmap={None: SNB, "vp": VP})
    root.set("id", "urn:verifiable:test")
    issuer = etree.SubElement(root, f"{{{VP}}}issuer", id="urn:epass:org:vp:1")
    etree.SubElement(issuer, f"{{{SNB}}}registration").text = presenter_identifier
    label = etree.SubElement(issuer, f"{{{SNB}}}prefLabel")
    text = etree.SubElement(label, f"{{{SNB}}}text", lang="en")
    text.set("content-type", "text/plain")
    text.text = presenter_name
    root.append(etree.fromstring(credential_xml))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def sealed_by(pki: DemoPKI, xml: bytes, *, org_name: str, org_identifier: str) -> bytes:
    key = new_key("ec")
    subject = seal_subject(org_name, org_identifier, "ES")
    cert: x509.Certificate = issue_certificate(pki.anchor_cert, pki.anchor_key, subject, key=key)
    return Sealer(SealKey(key, cert, ())).seal(xml)


def binding(report: VerificationReport) -> Any:
    check = report.check("sealer_is_issuer")
    assert check is not None
    return check


def test_a_presentation_sealed_by_its_presenter_of_an_unknown_bodys_credential_is_a_warning_naming_both(
    register: Any, pki: DemoPKI
) -> None:
    inner = example_credential(site=SITE, awarding_body=STRANGER).to_xml()
    xml = presentation(inner, "Presenting Service", "VATES-B00000000")
    report = verify_xml(sealed_by(pki, xml, org_name="Presenting Service", org_identifier="VATES-B00000000"))
    assert report.check("seal_intact").status == CheckStatus.PASSED  # type: ignore[union-attr]
    check = binding(report)
    assert check.status == CheckStatus.WARNING
    assert "Presenting Service" in check.message("en") and "Stranger Polytechnic" in check.message("en")
    assert "présente l'attestation" in check.message("fr")
    assert report.verdict == "partially_verified"


def test_a_presentation_by_someone_else_of_a_registered_bodys_credential_fails(
    register: Any, pki: DemoPKI
) -> None:
    inner = example_credential(site=SITE).to_xml()  # the demo university, which the register knows
    xml = presentation(inner, "Presenting Service", "VATES-B00000000")
    report = verify_xml(sealed_by(pki, xml, org_name="Presenting Service", org_identifier="VATES-B00000000"))
    check = binding(report)
    assert check.status == CheckStatus.FAILED
    assert "presents the credential" in check.message("en")
    assert report.verdict == "failed"


def test_a_presentation_sealed_by_neither_the_presenter_nor_the_awarding_body_fails(
    register: Any, pki: DemoPKI
) -> None:
    inner = example_credential(site=SITE, awarding_body=STRANGER).to_xml()
    xml = presentation(inner, "Presenting Service", "VATES-B00000000")
    report = verify_xml(sealed_by(pki, xml, org_name="Mallory Ltd", org_identifier="VATES-M66666666"))
    check = binding(report)
    assert check.status == CheckStatus.FAILED
    assert "VATES-M66666666" in check.message("en")


def test_a_presentation_sealed_by_the_awarding_body_itself_passes(register: Any, pki: DemoPKI) -> None:
    inner = example_credential(site=SITE, awarding_body=STRANGER).to_xml()
    xml = presentation(inner, "Stranger Polytechnic", "VATIT-99999999999")
    report = verify_xml(
        sealed_by(pki, xml, org_name="Stranger Polytechnic", org_identifier="VATIT-99999999999")
    )
    assert binding(report).status == CheckStatus.PASSED
