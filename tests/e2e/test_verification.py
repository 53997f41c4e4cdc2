"""The verifier in a real browser: paste, upload XML, upload a PDF, open a share link; on a phone, in French."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from europass.credentials.example import example_credential
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def demo_pki() -> DemoPKI:
    return make_demo_pki(key_type="ec")


def _sealed(pki: DemoPKI, site: str) -> bytes:
    from europass.registry.services import trust_anchor_ensure

    trust_anchor_ensure(
        pem=pki.anchor_cert.public_bytes(serialization.Encoding.PEM),
        name="e2e anchor",
        qualified_for_seals=True,
    )
    return Sealer(pki.seal).seal(example_credential(site=site).to_xml())


def _verdict(page: Any) -> str | None:
    return page.get_by_test_id("verdict").get_attribute("data-verdict")


def test_an_employer_verifies_by_paste_upload_pdf_and_share_link(
    live_server: Any, page: Any, tmp_path: Path, settings: Any, demo_pki: DemoPKI
) -> None:
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    call_command("demo_setup")
    xml = _sealed(demo_pki, live_server.url)

    page.goto(live_server.url + "/verify/")
    page.get_by_label("Paste the credential (XML or JSON-LD)").fill(xml.decode())
    page.get_by_role("button", name="Verify", exact=True).click()
    assert _verdict(page) == "verified"
    assert page.get_by_text("Verified: this credential is genuine and valid.").is_visible()
    assert page.locator("li[data-check]").count() == 10
    seal = page.locator('li[data-check="seal_intact"]')
    seal.locator("summary").click()
    assert seal.get_by_text("Demo University e-seal").first.is_visible()
    assert page.get_by_role("heading", name="Bachelor of Computer Science").is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    report = tmp_path / "report.pdf"
    download.value.save_as(report)
    assert report.read_bytes().startswith(b"%PDF-")

    path = tmp_path / "credential.xml"
    path.write_bytes(xml)
    page.goto(live_server.url + "/verify/")
    page.get_by_label("or upload the file").set_input_files(str(path))
    page.get_by_role("button", name="Verify", exact=True).click()
    assert _verdict(page) == "verified"

    from wallet.presenting import pdf_for_xml

    pdf = tmp_path / "credential.pdf"
    pdf.write_bytes(pdf_for_xml(xml=xml, qr_url=live_server.url + "/verify/", lang="en"))
    page.goto(live_server.url + "/verify/")
    page.get_by_label("or upload the file").set_input_files(str(pdf))
    page.get_by_role("button", name="Verify", exact=True).click()
    assert _verdict(page) == "verified"

    from europass.accounts.models import User
    from wallet.services import credential_receive, share_link_create

    citizen = User.objects.get(email="citizen@demo.europass.test")
    link = share_link_create(credential=credential_receive(owner=citizen, xml=xml))
    page.goto(live_server.url + "/verify/")
    page.get_by_label("or give a share link").fill(f"{live_server.url}/wallet/s/{link.token}/")
    page.get_by_role("button", name="Verify", exact=True).click()
    assert _verdict(page) == "verified"

    page.goto(live_server.url + "/verify/")
    page.get_by_label("Paste the credential (XML or JSON-LD)").fill(
        xml.decode().replace("Camille", "Camilla", 1)
    )
    page.get_by_role("button", name="Verify", exact=True).click()
    assert _verdict(page) == "failed"
    assert page.locator('li[data-check="seal_intact"]').get_attribute("data-status") == "failed"


def test_the_verifier_reads_well_on_a_phone_in_french(
    live_server: Any, phone: Any, settings: Any, demo_pki: DemoPKI
) -> None:
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    call_command("demo_setup")
    xml = _sealed(demo_pki, live_server.url)
    phone.goto(live_server.url + "/verify/")
    phone.get_by_role("button", name="FR", exact=True).click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "fr"
    phone.get_by_label("Collez l'attestation (XML ou JSON-LD)").fill(xml.decode())
    phone.get_by_role("button", name="Vérifier", exact=True).click()
    assert _verdict(phone) == "verified"
    assert phone.get_by_text("Vérifiée : cette attestation est authentique et valide.").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
