"""The issuer's journey in a real browser, desktop and phone, English and French: a sheet with a mistake (its
problems readable on a phone), the whole valid sheet reviewed before sealing, the batch page following the sealing
live (a real Celery worker started once the page shows "Sealing"), a revocation that asks to be confirmed, and the
audit log that names who was revoked and why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True},
}
# What the person reads, in each language.
SEES: dict[str, dict[str, Any]] = {
    "en": {
        "nothing_issued": "Nothing was issued",
        "count": "5 credentials, one per row",
        "qualification": "Bachelor of Computer Science",
        "preview": "Preview of the first credential",
        "seal": re.compile(r"^Seal 5 "),
        "sealing": "Sealing",
        "done": "Done",
        "cancel": "Cancel the rest",
        "sealed": re.compile(r"^Sealed$"),
        "bar": "5 of 5 sealed",
        "revoke": "Revoke this credential",
        "confirm": "I understand that a revocation cannot be undone.",
        "reason": "Reason",
        "revoked": "The credential is revoked.",
        "reason_said": "Reason: Awarded in error",
        "audit": "Audit log",
    },
    "fr": {
        "nothing_issued": "Rien n'a été délivré",
        "count": "5 attestations, une par ligne",
        "qualification": "Licence d'informatique",
        "preview": "Aperçu de la première",
        "seal": re.compile(r"^Sceller 5 "),
        "sealing": "Scellement en cours",
        "done": "Terminé",
        "cancel": "Annuler le reste",
        "sealed": re.compile(r"^Scellée?$"),
        "bar": "5 sur 5 scellé",
        "revoke": "Révoquer ce",
        "confirm": "Je comprends qu'une révocation est définitive.",
        "reason": "Motif",
        "revoked": "révoqué",
        "reason_said": "Motif : Awarded in error",
        "audit": "Journal d'audit",
    },
}


def _sheet(path: Path, rows: list[dict[str, Any]]) -> Path:
    from issuing.sheets import COLUMNS

    lines = [",".join(column.en for column in COLUMNS)]
    for row in rows:
        lines.append(",".join("" if row.get(c.key) is None else str(row.get(c.key)) for c in COLUMNS))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _learner(i: int, **overrides: Any) -> dict[str, Any]:
    return {
        "learner_id": f"JRN-{i:04d}",
        "given_name": "Camille",
        "family_name": f"Martin {i}",
        "date_of_birth": "2000-01-02",
        "email": f"journey{i}@example.org",
        "qualification_code": "DEMO-BACHELOR-CS",
        "award_date": "2024-06-30",
        **overrides,
    }


def _issuer_page(browser: Any, base: str, lang: str, viewport: str) -> Any:
    """A page signed in as the demo issuer (the sign-in form is tested elsewhere), speaking ``lang``."""
    from europass.accounts.demo import ISSUER_EMAIL
    from europass.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=ISSUER_EMAIL))
    context = browser.new_context(**VIEWPORTS[viewport])
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base},
            {"name": "django_language", "value": lang, "url": base},
        ]
    )
    return context.new_page()


def _upload(page: Any, base: str, sheet: Path) -> None:
    page.goto(base + "/issuing/o/demo/upload/")
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.locator("form.dropzone button[type=submit]").click()
    page.wait_for_load_state()


def _fits(page: Any, width: int) -> None:
    """Nothing wider than the screen: no sideways scrolling, nothing cut off."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_issuer_reviews_the_whole_sheet_then_watches_the_batch_page_follow_the_sealing_without_a_reload(
    live_server: Any,
    browser: Any,
    start_worker: Any,
    tmp_path: Path,
    settings: Any,
    lang: str,
    viewport: str,
) -> None:
    settings.DEBUG = True
    settings.SITE_URL = live_server.url
    call_command("demo_setup")
    sees, width = SEES[lang], VIEWPORTS[viewport]["viewport"]["width"]
    page = _issuer_page(browser, live_server.url, lang, viewport)

    # A sheet with a mistake: every problem readable, on a phone too.
    _upload(page, live_server.url, _sheet(tmp_path / "bad.csv", [_learner(1, email="not-an-email")]))
    assert page.get_by_text(sees["nothing_issued"]).is_visible()
    problem = page.get_by_test_id("problems").get_by_role("cell", name="not-an-email")
    assert problem.is_visible()
    box = problem.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    _fits(page, width)

    # The valid sheet: the whole of it, before anything is sealed.
    _upload(page, live_server.url, _sheet(tmp_path / "cohort.csv", [_learner(i) for i in range(1, 6)]))
    review = page.get_by_test_id("review")
    assert review.get_by_test_id("review-count").inner_text() == sees["count"]
    assert review.get_by_test_id("review-qualifications").get_by_text(sees["qualification"]).is_visible()
    rows = review.get_by_test_id("review-table").locator("tbody tr")
    assert rows.count() == 5
    for i in range(1, 6):
        assert rows.nth(i - 1).get_by_text(f"Camille Martin {i}").is_visible()
        assert rows.nth(i - 1).get_by_text(f"journey{i}@example.org").is_visible()
    assert page.get_by_role("heading", name=re.compile(sees["preview"])).is_visible()
    _fits(page, width)

    # Sealed: the page shows "Sealing" while no worker runs yet, then follows the worker, with no reload.
    page.get_by_role("button", name=sees["seal"]).click()
    page.wait_for_load_state()
    badge = page.get_by_test_id("batch-status")
    assert badge.inner_text() == sees["sealing"]
    assert page.get_by_role("button", name=sees["cancel"]).is_visible()
    page.evaluate("window.__same_page = true")
    start_worker()
    page.wait_for_function(
        "(done) => document.getElementById('batch-status').textContent.trim() === done",
        arg=sees["done"],
        timeout=60_000,
    )
    assert page.evaluate("window.__same_page === true")  # the same page, never reloaded
    assert badge.inner_text() == sees["done"]
    assert page.get_by_role("button", name=sees["cancel"]).count() == 0
    statuses = page.get_by_test_id("credential-status")
    assert statuses.count() == 5
    for i in range(5):
        assert sees["sealed"].match(statuses.nth(i).inner_text().strip())
    assert sees["bar"] in page.locator("#progress").inner_text()
    # polling stops once the last delivery is recorded (deliveries queue behind the sealing)
    page.wait_for_function(
        "() => !document.getElementById('progress').hasAttribute('hx-get')", timeout=30_000
    )
    assert page.locator("#batch-actions a[href$='credentials.zip']").is_visible()  # sealed files on offer
    _fits(page, width)
    page.context.close()


@pytest.mark.parametrize(("lang", "viewport"), [("en", "desktop"), ("fr", "phone")])
def test_a_revocation_asks_to_be_confirmed_and_the_audit_log_says_who_was_revoked_and_why(
    live_server: Any, browser: Any, settings: Any, lang: str, viewport: str
) -> None:
    from issuing.models import IssuedCredential

    settings.DEBUG = True
    settings.SITE_URL = live_server.url
    call_command("demo_setup")
    sees, width = SEES[lang], VIEWPORTS[viewport]["viewport"]["width"]
    credential = IssuedCredential.objects.filter(status=IssuedCredential.Status.SEALED).first()
    assert credential is not None
    page = _issuer_page(browser, live_server.url, lang, viewport)
    page.goto(f"{live_server.url}/issuing/credentials/{credential.public_id}/")
    # It is shown as its holder sees it, with its status.
    visual = page.get_by_test_id("visual")
    assert visual.locator(".credential-visual").is_visible()
    assert visual.locator("[data-status=valid]").is_visible()
    _fits(page, width)

    page.get_by_label(sees["reason"]).fill("Awarded in error")
    page.get_by_role("button", name=re.compile(sees["revoke"])).click()
    # Not ticked: the browser keeps the form, nothing is revoked.
    assert page.get_by_label(sees["confirm"]).is_visible()
    credential.refresh_from_db()
    assert credential.status == IssuedCredential.Status.SEALED
    page.get_by_label(sees["confirm"]).check()
    page.get_by_role("button", name=re.compile(sees["revoke"])).click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(sees["revoked"])).first.is_visible()
    assert page.locator("[data-status=revoked]").is_visible()
    credential.refresh_from_db()
    assert credential.status == IssuedCredential.Status.REVOKED

    page.get_by_role("link", name=sees["audit"]).first.click()
    newest = page.get_by_test_id("audit").locator("tbody tr").first
    assert newest.get_by_role("link", name=credential.holder_name).is_visible()
    assert newest.get_by_text(sees["reason_said"]).is_visible()
    _fits(page, width)
    newest.get_by_role("link", name=credential.holder_name).click()
    assert page.get_by_role("heading", name=re.compile(credential.holder_name)).is_visible()
    page.context.close()
