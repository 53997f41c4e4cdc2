"""The employer's journey in a real browser, desktop and phone, English and French: a revoked and a tampered
credential each say what happened and what to do, the report has its own address (bookmarked, reloaded, then
expired), and a share page lists its checks under the verifier's headline."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from europass.credentials.example import example_credential
from europass.credentials.model import CredentialStatus
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer

pytestmark = pytest.mark.django_db(transaction=True)
REVOKED_EN = "Revoked: the awarding body has withdrawn this credential"
REVOKED_FR = "Révoquée : l'organisme a retiré cette attestation"
TAMPERED_EN = "Seal broken: this is not the credential as its awarding body issued it"
TAMPERED_FR = "Cachet rompu : ce n'est pas l'attestation telle que l'organisme l'a délivrée"
REPORT_ADDRESS = re.compile(r".*/verify/r/[\w-]{32}/$")


@pytest.fixture(scope="module")
def demo_pki() -> DemoPKI:
    return make_demo_pki(key_type="ec")


@pytest.fixture
def portal(live_server: Any, settings: Any, demo_pki: DemoPKI) -> str:
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    call_command("demo_setup")
    from europass.registry.services import trust_anchor_ensure

    trust_anchor_ensure(
        pem=demo_pki.anchor_cert.public_bytes(serialization.Encoding.PEM),
        name="e2e anchor",
        qualified_for_seals=True,
    )
    return str(live_server.url)


def _revoked(pki: DemoPKI, site: str) -> bytes:
    """A credential of the demo awarding body, sealed, then revoked in its status list."""
    from europass.registry.models import Organisation
    from europass.status.services import status_allocate, status_set

    allocation = status_allocate(organisation=Organisation.objects.get(slug="demo"), count=1)[0]
    status = CredentialStatus(url=allocation.status_list.url, index=allocation.start)
    xml = Sealer(pki.seal).seal(example_credential(site=site, status=status).to_xml())
    status_set(status_list=allocation.status_list, index=allocation.start, revoked=True)
    return xml


def _tampered(pki: DemoPKI, site: str) -> bytes:
    xml = Sealer(pki.seal).seal(example_credential(site=site).to_xml())
    return xml.decode().replace("Camille", "Camilla", 1).encode()


def _verify(page: Any, base: str, xml: bytes, label: str, button: str) -> None:
    page.goto(base + "/verify/")
    page.get_by_label(label).fill(xml.decode())
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(REPORT_ADDRESS)


def _headline(page: Any) -> str:
    return str(page.get_by_test_id("headline").inner_text()).strip()


def test_an_employer_reads_why_a_revoked_and_a_tampered_credential_fail_on_a_desktop(
    portal: str, page: Any, demo_pki: DemoPKI, tmp_path: Path
) -> None:
    _verify(page, portal, _revoked(demo_pki, portal), "Paste the credential (XML or JSON-LD)", "Verify")
    assert _headline(page) == REVOKED_EN
    banner = page.get_by_test_id("verdict")
    assert banner.get_by_text("Demo University revoked it on").is_visible()
    assert banner.get_by_text("they should contact Demo University").is_visible()
    assert page.locator('li[data-check="not_revoked"]').get_attribute("data-status") == "failed"
    assert page.get_by_text("Revoked by the awarding body").is_visible()  # the credential's own badge
    assert page.locator('[data-status="valid"]').count() == 0

    address = page.url  # the report's own address: shown to copy, and it survives a reload
    assert page.get_by_test_id("report-url").input_value() == address
    page.reload()
    assert _headline(page) == REVOKED_EN
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    _verify(page, portal, _tampered(demo_pki, portal), "Paste the credential (XML or JSON-LD)", "Verify")
    assert _headline(page) == TAMPERED_EN
    assert page.get_by_test_id("verdict").get_by_text("do not rely on anything it says").is_visible()
    assert page.get_by_test_id("verdict").get_by_text("Ask the holder for the original file").is_visible()
    seal = page.locator('li[data-check="seal_intact"]')
    seal.locator("summary").click()
    assert seal.get_by_text("What to do:").is_visible()
    assert page.get_by_text("No further details").count() == 0
    assert page.get_by_text("The credential is not shown").is_visible()
    assert page.get_by_role("heading", name="Bachelor of Computer Science").count() == 0


def test_an_employer_reads_the_same_on_a_phone_in_french(portal: str, phone: Any, demo_pki: DemoPKI) -> None:
    phone.goto(portal + "/verify/")
    phone.get_by_role("button", name="FR", exact=True).click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "fr"
    _verify(phone, portal, _revoked(demo_pki, portal), "Collez l'attestation (XML ou JSON-LD)", "Vérifier")
    assert _headline(phone) == REVOKED_FR
    assert (
        phone.get_by_test_id("verdict")
        .get_by_text("Université de démonstration l'a révoquée le")
        .is_visible()
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    _verify(phone, portal, _tampered(demo_pki, portal), "Collez l'attestation (XML ou JSON-LD)", "Vérifier")
    assert _headline(phone) == TAMPERED_FR
    assert (
        phone.get_by_test_id("verdict").get_by_text("Demandez au titulaire le fichier original").is_visible()
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The language switch comes back to the same report, at the same address.
    address = phone.url
    phone.get_by_role("button", name="EN", exact=True).click()
    phone.wait_for_load_state()
    assert phone.url == address and _headline(phone) == TAMPERED_EN


def test_a_report_address_says_when_it_has_expired_and_offers_to_verify_again(
    portal: str, page: Any, demo_pki: DemoPKI, settings: Any
) -> None:
    settings.VERIFY_REPORT_SECONDS = 2
    _verify(page, portal, _tampered(demo_pki, portal), "Paste the credential (XML or JSON-LD)", "Verify")
    assert _headline(page) == TAMPERED_EN
    time.sleep(2.2)
    page.reload()
    assert page.get_by_role("heading", name="This report has expired").is_visible()
    assert page.get_by_text("then forgotten with everything about it").is_visible()
    assert page.get_by_label("Paste the credential (XML or JSON-LD)").is_visible()


def _shared(pki: DemoPKI, site: str) -> str:
    from europass.accounts.models import User
    from wallet.services import credential_receive, share_link_create

    citizen = User.objects.get(email="citizen@demo.europass.test")
    xml = Sealer(pki.seal).seal(example_credential(site=site).to_xml())
    link = share_link_create(credential=credential_receive(owner=citizen, xml=xml))
    return f"{site}/wallet/s/{link.token}/"


def test_the_share_page_lists_its_checks_on_a_desktop_in_english_and_a_phone_in_french(
    portal: str, page: Any, phone: Any, demo_pki: DemoPKI
) -> None:
    url = _shared(demo_pki, portal)
    page.goto(url)
    assert _headline(page) == "Verified: this credential is genuine and valid."
    assert page.get_by_role("heading", name="Checks").is_visible()
    checks = page.locator("li[data-check]")
    assert checks.count() == 10
    assert all(checks.nth(i).is_visible() for i in range(10))
    assert page.locator('li[data-check="seal_intact"]').get_by_text("Seal intact").is_visible()
    assert page.get_by_role("heading", name="Bachelor of Computer Science").is_visible()

    phone.goto(portal + "/verify/")  # a French reader: the language chosen once, then the link opened
    phone.get_by_role("button", name="FR", exact=True).click()
    phone.wait_for_load_state()
    phone.goto(url)
    assert _headline(phone) == "Vérifiée : cette attestation est authentique et valide."
    assert phone.get_by_role("heading", name="Contrôles").is_visible()
    assert phone.locator("li[data-check]").count() == 10
    assert phone.locator('li[data-check="not_revoked"]').get_by_text("Non révoqué").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
