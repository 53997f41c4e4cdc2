"""The citizen's wallet in a real browser: open a credential, download its PDF, share it, revoke the share."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management import call_command

from europass.accounts.demo import CITIZEN_EMAIL
from europass.credentials.example import example_credential
from europass.credentials.model import Holder, MultilingualText
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def demo_pki() -> DemoPKI:
    return make_demo_pki(key_type="ec")


def _hold_one(pki: DemoPKI) -> None:
    """The demo citizen receives one sealed credential through the wallet's delivery entry point."""
    from europass.registry.services import trust_anchor_ensure
    from wallet.services import credential_deliver

    trust_anchor_ensure(
        pem=pki.anchor_cert.public_bytes(serialization.Encoding.PEM),
        name="e2e anchor",
        qualified_for_seals=True,
    )
    holder = Holder(
        id=f"urn:uuid:{uuid.uuid4()}",
        given_names=MultilingualText({"en": "Camille"}),
        family_name=MultilingualText({"en": "Martin"}),
        full_name=MultilingualText({"en": "Camille Martin"}),
        date_of_birth=dt.date(2001, 4, 12),
        email=CITIZEN_EMAIL,
    )
    xml = Sealer(pki.seal).seal(example_credential(site=settings.SITE_URL, holder=holder).to_xml())
    assert (
        credential_deliver(
            xml=xml,
            holder_email=CITIZEN_EMAIL,
            credential_id="e2e",
            issuer_name="Demo University",
            title="Bachelor",
        )
        == "wallet"
    )


def _login(page: Any, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(CITIZEN_EMAIL)
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_the_demo_citizen_downloads_the_pdf_shares_the_credential_and_revokes_the_share(
    live_server: Any, page: Any, browser: Any, tmp_path: Path, settings: Any, demo_pki: DemoPKI
) -> None:
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    call_command("demo_setup")
    _hold_one(demo_pki)
    _login(page, live_server.url)

    page.goto(live_server.url + "/wallet/")
    page.get_by_role("link", name="Bachelor of Computer Science").first.click()
    assert page.get_by_text("Camille Martin").first.is_visible()
    assert page.locator('[data-status="valid"]').first.is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "credential.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    page.get_by_label("Note (only you see it)").fill("Job application")
    page.get_by_role("button", name="Create the link").click()
    shared = page.get_by_role("listitem").filter(has_text="Job application")
    share_url = shared.get_by_test_id("share-url").input_value()
    assert share_url.startswith(live_server.url + "/wallet/s/")

    visitor = browser.new_context()
    stranger = visitor.new_page()
    stranger.goto(share_url)
    assert stranger.get_by_test_id("verdict").get_attribute("data-verdict") == "verified"
    assert stranger.get_by_text("Verified: this credential is genuine and valid.").is_visible()

    shared.get_by_role("button", name="Stop this link now").click()
    assert page.get_by_text("The share link stopped working.").is_visible()
    response = stranger.goto(share_url)
    assert response is not None and response.status == 410
    assert stranger.get_by_role("heading", name="This share link does not work").is_visible()
    visitor.close()


def test_the_wallet_reads_well_on_a_phone_in_french(
    live_server: Any, phone: Any, settings: Any, demo_pki: DemoPKI
) -> None:
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    call_command("demo_setup")
    _hold_one(demo_pki)
    _login(phone, live_server.url)
    phone.goto(live_server.url + "/wallet/")
    phone.get_by_role("button", name="FR").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "fr"
    phone.get_by_role("link", name="Licence d'informatique").first.click()
    assert phone.get_by_role("heading", name="Licence d'informatique").is_visible()
    assert phone.get_by_text("Concevoir, réaliser et tester un logiciel de taille moyenne.").is_visible()
    # Nothing wider than the phone: no horizontal scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
