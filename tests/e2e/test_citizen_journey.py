"""The citizen's journey in a real browser, as a newcomer walks it, on a desktop in English and a phone in French.

They upload a credential the verifier fails (its issuer is not trusted here) and that names someone else (Anna
Andromeda): the page says what the verifier found, the badge says it failed, and the holder mismatch is shown, on
its page and its card beside a credential that is valid. They share it: the page lands on the new link, its address
selectable, and the copy button puts it on the clipboard; they stop the link: it moves to the history below.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from europass.credentials.example import example_credential
from europass.credentials.model import Holder, MultilingualText
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True},
}
# What the person reads, in each language.
WORDS = {
    "en": {
        "upload": "Verify and add",
        "file": "Credential file (XML, JSON-LD, or its PDF)",
        "added_unconfirmed": "Added, but the verifier could not confirm it:",
        "failed": "Verification failed",
        "valid": "Valid",
        "not_you": "This credential names Anna Andromeda, not you.",
        "note": "Note (only you see it)",
        "create": "Create the link",
        "copy": "Copy the link",
        "copied": "Copied",
        "stop": "Stop this link now",
        "history": "Links that stopped working",
        "stopped_by_you": "stopped by you",
        "search": "Search by title or awarding body",
        "search_button": "Search",
    },
    "fr": {
        "upload": "Vérifier et ajouter",
        "file": "Fichier de l'attestation (XML, JSON-LD, ou son PDF)",
        "added_unconfirmed": "Ajoutée, mais le vérificateur n'a pas pu la confirmer :",
        "failed": "Échec de la vérification",
        "valid": "Valide",
        "not_you": "Cette attestation nomme Anna Andromeda, pas vous.",
        "note": "Note (vous seul la voyez)",
        "create": "Créer le lien",
        "copy": "Copier le lien",
        "copied": "Copié",
        "stop": "Désactiver ce lien maintenant",
        "history": "Liens qui ne fonctionnent plus",
        "stopped_by_you": "désactivé par vous",
        "search": "Rechercher par titre ou organisme certificateur",
        "search_button": "Rechercher",
    },
}


@pytest.fixture(scope="module")
def issuers() -> tuple[DemoPKI, DemoPKI]:
    """The awarding body trusted here, and one whose certificate authority this portal does not know."""
    return make_demo_pki(key_type="ec"), make_demo_pki(
        org_name="Elsewhere College", org_identifier="VATBE-0123456789", key_type="ec"
    )


def _holder(name: str, email: str) -> Holder:
    given, family = name.split(" ", 1)
    return Holder(
        id=f"urn:uuid:{uuid.uuid4()}",
        given_names=MultilingualText({"en": given}),
        family_name=MultilingualText({"en": family}),
        full_name=MultilingualText({"en": name}),
        date_of_birth=dt.date(2001, 4, 12),
        email=email,
    )


def _files(tmp_path: Path, issuers: tuple[DemoPKI, DemoPKI]) -> tuple[Path, Path]:
    """Two sealed files: the citizen's own, by the trusted body; Anna Andromeda's, by a body not trusted here."""
    from europass.accounts.demo import CITIZEN_EMAIL
    from europass.registry.services import trust_anchor_ensure

    trusted, foreign = issuers
    trust_anchor_ensure(
        pem=trusted.anchor_cert.public_bytes(serialization.Encoding.PEM),
        name="e2e anchor",
        qualified_for_seals=True,
    )
    site = django_settings.SITE_URL
    mine = tmp_path / "mine.xml"
    mine.write_bytes(
        Sealer(trusted.seal).seal(
            example_credential(site=site, holder=_holder("Camille Martin", CITIZEN_EMAIL)).to_xml()
        )
    )
    anna = tmp_path / "anna.xml"
    anna.write_bytes(
        Sealer(foreign.seal).seal(
            example_credential(site=site, holder=_holder("Anna Andromeda", "anna@andromeda.example")).to_xml()
        )
    )
    return mine, anna


def _citizen_page(browser: Any, base: str, *, lang: str, viewport: str) -> Any:
    """A page signed in as the demo citizen (the sign-in form is tested elsewhere), speaking ``lang``, allowed to
    use the clipboard."""
    from europass.accounts.demo import CITIZEN_EMAIL
    from europass.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=CITIZEN_EMAIL))
    context = browser.new_context(**VIEWPORTS[viewport], permissions=["clipboard-read", "clipboard-write"])
    context.add_init_script(path=str(AXE))
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base},
            {"name": "django_language", "value": lang, "url": base},
        ]
    )
    return context.new_page()


def _upload(page: Any, base: str, path: Path, words: dict[str, Any]) -> None:
    page.goto(base + "/wallet/upload/")
    page.get_by_label(words["file"]).set_input_files(str(path))
    page.get_by_role("button", name=words["upload"]).click()
    page.wait_for_load_state()


def _axe(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (ids and targets)."""
    found = page.evaluate(
        """async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
        }"""
    )
    return list(found)


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


@pytest.mark.parametrize(("lang", "viewport"), [("en", "desktop"), ("fr", "phone")])
def test_a_citizen_sees_the_verdict_the_holder_shares_with_a_copy_button_and_keeps_a_history(
    live_server: Any,
    browser: Any,
    settings: Any,
    tmp_path: Path,
    issuers: tuple[DemoPKI, DemoPKI],
    lang: str,
    viewport: str,
) -> None:
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    call_command("demo_setup")
    mine, anna = _files(tmp_path, issuers)
    words = WORDS[lang]
    width = VIEWPORTS[viewport]["viewport"]["width"]
    page = _citizen_page(browser, live_server.url, lang=lang, viewport=viewport)

    # Their own credential, verified: valid, no flag.
    _upload(page, live_server.url, mine, words)
    verdict = page.get_by_test_id("wallet-verdict")
    assert verdict.locator('.badge[data-status="valid"]').inner_text() == words["valid"]
    assert page.get_by_test_id("holder-mismatch").count() == 0

    # Anna Andromeda's, by a body not trusted here: kept, and said to be unconfirmed, with the reason.
    _upload(page, live_server.url, anna, words)
    message = page.locator(".messages li").first
    assert message.is_visible() and words["added_unconfirmed"] in message.inner_text().replace("’", "'")
    assert verdict.locator('.badge[data-status="failed"]').inner_text() == words["failed"]
    assert verdict.locator(".verdict-reasons li").count() >= 1
    assert page.get_by_test_id("holder-mismatch").inner_text().startswith(words["not_you"])
    assert (
        page.locator('.badge[data-status="valid"]').count() == 0
    )  # no green badge anywhere on a failed credential
    _fits(page, width)
    assert _axe(page) == []
    detail = page.url

    # The wallet: each card says its own verdict; Anna's says it names someone else.
    page.goto(live_server.url + "/wallet/")
    cards = page.get_by_test_id("wallet-card")
    total = cards.count()
    assert total >= 2  # the two uploaded, beside any the demo issued to the citizen
    anna_card = cards.filter(has=page.get_by_test_id("holder-mismatch"))
    assert anna_card.get_by_test_id("holder-mismatch").inner_text() == words["not_you"]
    assert anna_card.locator('.badge[data-status="failed"]').inner_text() == words["failed"]
    assert cards.locator('.badge[data-status="failed"]').count() == 1
    assert cards.locator('.badge[data-status="valid"]').count() == total - 1
    assert page.get_by_test_id("holder-mismatch").count() == 1
    page.get_by_label(words["search"]).fill("informatique" if lang == "fr" else "computer science")
    page.get_by_role("button", name=words["search_button"], exact=True).click()
    assert page.get_by_test_id("wallet-card").count() == total
    page.get_by_label(words["search"]).fill("astronaut")
    page.get_by_role("button", name=words["search_button"], exact=True).click()
    assert (
        page.get_by_test_id("wallet-card").count() == 0 and "astronaut" in page.locator(".alert").inner_text()
    )
    _fits(page, width)
    assert _axe(page) == []

    # Share it: the page lands on the new link, its address selected, a copy button beside it.
    page.goto(detail)
    page.get_by_label(words["note"]).fill("Job fair")
    page.get_by_role("button", name=words["create"]).click()
    page.wait_for_load_state()
    new_link = page.locator("#new-link")
    address = new_link.get_by_test_id("share-url")
    url = address.input_value()
    assert url.startswith(live_server.url + "/wallet/s/")
    assert page.evaluate("document.activeElement.dataset.testid") == "share-url"
    assert _in_view(page, address), "the new link is not where the person looks"
    selected = "(() => { const f = document.activeElement; return f.value.substring(f.selectionStart, f.selectionEnd); })()"
    assert page.evaluate(selected) == url  # selected: copied with a keystroke, even without the button
    copy = new_link.get_by_role("button", name=words["copy"])
    assert copy.is_visible()
    copy.click()
    new_link.get_by_text(words["copied"], exact=True).wait_for(state="visible")  # said in its live region
    assert page.evaluate("navigator.clipboard.readText()") == url
    _fits(page, width)
    assert _axe(page) == []

    # The link opens for a visitor; stopped, it closes and moves to the history under the active links.
    visitor = browser.new_context()
    stranger = visitor.new_page()
    assert stranger.goto(url).status == 200
    new_link.get_by_role("button", name=words["stop"]).click()
    page.wait_for_load_state()
    history = page.get_by_test_id("share-history")
    assert page.get_by_role("heading", name=words["history"]).is_visible()
    row = history.locator("tbody tr").filter(has_text="Job fair")
    assert words["stopped_by_you"] in row.inner_text() and row.locator("td").last.inner_text() == "1"
    assert stranger.goto(url).status == 410
    visitor.close()
    _fits(page, width)
    assert _axe(page) == []
    page.context.close()
