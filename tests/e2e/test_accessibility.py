"""WCAG 2.1 AA (EN 301 549) in a real browser.

axe-core (vendored in tests/e2e/vendor) finds no violation of wcag2a/2aa/21a/21aa on any page of the portal, in
English and French, on a desktop (1280×900) and a phone (375×800), the API docs included. By hand, in the browser:
the focus outline has 3:1 against what surrounds it, the batch progress speaks through one live region that stays
in the DOM and changes only at milestones, and a failed form marks its fields and moves the focus to its summary.

The pages' data is made once for the module (the demo, batches in every state, reports, a share link) on a server
of its own, and each role's browser context (one per viewport) is signed in once, with axe-core loaded into each
page before the page's own scripts: the matrix of 136 runs in under a minute.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 800}, "device_scale_factor": 2, "is_mobile": True},
}
INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop" / "edci-xml"
RICH_SAMPLE = INTEROP / "EDC_DiplomaSupplement_AA.xml"

# The test database is set up for this module (the mark), but not flushed after each test: the data is made once by
# ``portal`` and flushed once when the module ends. This replaces pytest-django's per-test database helper here.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def _django_db_helper() -> None:
    return None


# --- the portal's data, made once ------------------------------------------------------------------------------


@dataclass
class Portal:
    url: str
    browser: Any
    ids: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    pages: dict[tuple[str, str], Any] = field(default_factory=dict)

    def page(self, role: str, lang: str, viewport: str) -> Any:
        """One page per role and viewport, kept for the module (signed in once), speaking ``lang`` from now on."""
        key = (role, viewport)
        if key not in self.pages:
            context = self.browser.new_context(**VIEWPORTS[viewport])
            context.add_init_script(path=str(AXE))
            if role in self.sessions:
                context.add_cookies([{"name": "sessionid", "value": self.sessions[role], "url": self.url}])
            self.pages[key] = context.new_page()
        page = self.pages[key]
        page.context.add_cookies([{"name": "django_language", "value": lang, "url": self.url}])
        return page


def _sheet(rows: list[dict[str, Any]]) -> bytes:
    from issuing.sheets import COLUMNS

    lines = [",".join(column.en for column in COLUMNS)]
    for row in rows:
        lines.append(",".join("" if row.get(c.key) is None else str(row.get(c.key)) for c in COLUMNS))
    return ("\r\n".join(lines) + "\r\n").encode()


def _learner(i: int, **overrides: Any) -> dict[str, Any]:
    return {
        "learner_id": f"A11Y-{i:04d}",
        "given_name": "Léa",
        "family_name": f"Dubois {i}",
        "date_of_birth": "2000-01-02",
        "email": f"learner{i}@example.org",
        "qualification_code": "DEMO-BACHELOR-CS",
        "award_date": "2024-06-30",
        **overrides,
    }


def _batch(organisation: Any, issuer: Any, rows: list[dict[str, Any]], name: str, *, start: bool) -> Any:
    """A batch uploaded; when ``start``, confirmed as batch_confirm does, without queueing work (no worker)."""
    from django.db import transaction

    from issuing.models import Batch
    from issuing.services.batches import batch_upload, credentials_create
    from issuing.sheets import LearnerRow

    batch = batch_upload(organisation=organisation, actor=issuer, data=_sheet(rows), filename=name)
    if start:
        with transaction.atomic():
            Batch.objects.filter(pk=batch.pk).update(
                status=Batch.Status.SEALING, confirmed_at=timezone.now(), confirmed_by=issuer
            )
            credentials_create(
                organisation=organisation, rows=[LearnerRow.from_json(r) for r in batch.rows], batch=batch
            )
        batch.refresh_from_db()
    return batch


def _kept_report(document: bytes, verdict: str) -> str:
    from verification.kept import report_keep
    from verification.services import verify_document

    report = verify_document(document)
    assert report.verdict == verdict
    token = report_keep(report, checked_at=dt.datetime.now(dt.UTC))
    assert token
    return token


def _make_data(portal: Portal) -> None:
    from europass.accounts.demo import CITIZEN_EMAIL, ISSUER_EMAIL
    from europass.accounts.models import User
    from europass.registry.models import Organisation
    from issuing.models import BatchExport, IssuedCredential
    from issuing.services.revocation import credential_revoke
    from issuing.services.sealing import credentials_seal
    from wallet.models import ClaimToken, WalletCredential
    from wallet.services import share_link_create, share_link_revoke
    from wallet.tokens import new_token, token_hash

    with override_settings(DEBUG=True):
        call_command("demo_setup")

    organisation = Organisation.objects.get(slug="demo")
    issuer = User.objects.get(email=ISSUER_EMAIL)
    citizen = User.objects.get(email=CITIZEN_EMAIL)
    for role, user in (("issuer", issuer), ("citizen", citizen)):
        client = Client()
        client.force_login(user)
        portal.sessions[role] = client.cookies["sessionid"].value

    ids = portal.ids
    ids["org"] = organisation.slug
    demo = IssuedCredential.objects.get(organisation=organisation, learner_id="DEMO-0001")
    ids["credential"] = str(demo.public_id)
    held = WalletCredential.objects.filter(owner=citizen).first()
    assert held is not None
    ids["held"] = str(held.public_id)
    ids["share"] = share_link_create(credential=held, note="Job application").token
    ended = share_link_create(credential=held)
    share_link_revoke(link=ended)
    ids["share_ended"] = ended.token
    claim = new_token()
    ClaimToken.objects.create(
        token_hash=token_hash(claim),
        email=CITIZEN_EMAIL,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        xml=bytes(demo.xml or b""),
        issuer_name=organisation.legal_name,
        title="Bachelor of Computer Science",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    ids["claim"] = claim

    invalid = _batch(
        organisation,
        issuer,
        [_learner(1, email="not-an-email", qualification_code="NOPE")],
        "bad.csv",
        start=False,
    )
    ids["batch_invalid"] = str(invalid.public_id)
    validated = _batch(organisation, issuer, [_learner(2), _learner(3)], "cohort-2024.csv", start=False)
    ids["batch_validated"] = str(validated.public_id)
    sealing = _batch(
        organisation, issuer, [_learner(i) for i in range(10, 14)], "in-progress.csv", start=True
    )
    first, second, *_rest = sealing.credentials.order_by("id")
    credentials_seal(credential_ids=[first.pk])
    IssuedCredential.objects.filter(pk=second.pk).update(
        status=IssuedCredential.Status.FAILED, failure_reason="Sealing failed: TimeoutError"
    )
    BatchExport.objects.create(batch=sealing, total=1, rendered=0, parts_total=1)
    ids["batch_sealing"] = str(sealing.public_id)
    done = _batch(organisation, issuer, [_learner(20), _learner(21)], "done.csv", start=True)
    credentials_seal(credential_ids=list(done.credentials.values_list("pk", flat=True)))
    BatchExport.objects.create(
        batch=done,
        status=BatchExport.Status.READY,
        total=2,
        rendered=2,
        parts_total=1,
        parts_done=1,
        size_bytes=48_213,
        finished_at=timezone.now(),
    )
    ids["batch_done"] = str(done.public_id)
    revoked = done.credentials.order_by("id").first()
    assert revoked is not None
    credential_revoke(credential=revoked, actor=issuer, reason="Awarded in error")
    ids["credential_revoked"] = str(revoked.public_id)

    xml = bytes(demo.xml or b"")
    ids["report_verified"] = _kept_report(xml, "verified")
    ids["report_failed"] = _kept_report(xml.replace(b"Camille", b"Camilla", 1), "failed")
    # The Commission's diploma supplement: its seal intact, its sealer not trusted here (failed), shown in full.
    ids["report_rich"] = _kept_report(RICH_SAMPLE.read_bytes(), "failed")


@pytest.fixture(scope="module")
def portal(django_db_setup: None, django_db_blocker: Any, browser: Any) -> Iterator[Portal]:
    """A server of the module's own on the test database, the data committed once, flushed at the end."""
    from django.core.cache import cache
    from pytest_django.live_server_helper import LiveServer

    from europass.celery import app

    with django_db_blocker.unblock():
        cache.clear()  # sign-in lockouts and rate limits of earlier runs
        server = LiveServer("localhost")
        settings = override_settings(SITE_URL=server.url, ACCOUNT_RATE_LIMITS=False)
        settings.enable()
        portal = Portal(url=server.url, browser=browser)
        try:
            _make_data(portal)
            yield portal
        finally:
            for page in portal.pages.values():
                page.context.close()
            settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            app.control.purge()  # the deliveries queued by sealing: no worker here


# --- axe-core ---------------------------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.1 A and AA on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        TAGS,
    )


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {node['target']}: {(node['summary'] or '').splitlines()[-1].strip()}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


# --- the pages --------------------------------------------------------------------------------------------------


def _goto(path: str) -> Callable[[Any, Portal], None]:
    def go(page: Any, portal: Portal) -> None:
        response = page.goto(portal.url + path.format(**portal.ids))
        assert response is not None and response.status < 500

    return go


def _verify_form_with_errors(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/verify/")
    page.locator("form[data-dropzone] button[type=submit]").click()
    page.wait_for_load_state()


def _login_with_errors(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/accounts/login/")
    page.locator("input[name=login]").fill(f"nobody-{uuid.uuid4().hex[:8]}@example.org")  # no lockout
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def _share_created(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/wallet/c/{held}/".format(**portal.ids))
    page.locator("form[action$='/share'] button.primary").click()
    page.wait_for_load_state()


def _api_docs(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/api/docs/")
    page.wait_for_selector(".opblock")


def _api_docs_trying_the_verifier(page: Any, portal: Portal) -> None:
    """The verify operation open, "Try it out" pressed, a schema open."""
    _api_docs(page, portal)
    operation = page.locator(".opblock-post").filter(has_text="/api/v1/verify").first
    operation.locator(".opblock-summary-control").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").wait_for()
    page.locator(".models .model-box-control").first.click()  # the schemas are listed, closed: open one


@dataclass(frozen=True)
class Screen:
    role: str  # "anonymous", "issuer" or "citizen": whose signed-in context opens it
    open: Callable[[Any, Portal], None]
    shows: str = "main, #swagger-ui"  # what proves that the page is the state it names
    lang: str | None = None  # the page's language when it has only one (Swagger UI speaks English)


SCREENS: dict[str, Screen] = {
    # public
    "home": Screen("anonymous", _goto("/")),
    "verify-form": Screen("anonymous", _goto("/verify/")),
    "verify-form-errors": Screen("anonymous", _verify_form_with_errors, "[data-error-summary]"),
    "verify-result-verified": Screen(
        "anonymous", _goto("/verify/report/{report_verified}"), "[data-verdict=verified]"
    ),
    "verify-result-failed": Screen(
        "anonymous", _goto("/verify/report/{report_failed}"), "[data-verdict=failed]"
    ),
    "verify-result-rich": Screen(
        "anonymous", _goto("/verify/report/{report_rich}"), "[data-testid=achievement]"
    ),
    "share-page": Screen("anonymous", _goto("/wallet/s/{share}/"), "[data-verdict=verified]"),
    "share-link-ended": Screen("anonymous", _goto("/wallet/s/{share_ended}/")),
    "register-list": Screen("anonymous", _goto("/registry/qualifications/")),
    "register-qualification": Screen("anonymous", _goto("/registry/qualifications/DEMO-BACHELOR-CS")),
    "register-organisation": Screen("anonymous", _goto("/registry/organisations/{org}")),
    "login": Screen("anonymous", _goto("/accounts/login/")),
    "login-errors": Screen("anonymous", _login_with_errors, "[data-error-summary]"),
    "signup": Screen("anonymous", _goto("/accounts/signup/")),
    "password-reset": Screen("anonymous", _goto("/accounts/password/reset/")),
    "not-found": Screen("anonymous", _goto("/no-such-page/")),
    "api-docs": Screen("anonymous", _api_docs, ".opblock", lang="en"),
    "api-docs-try-it-out": Screen("anonymous", _api_docs_trying_the_verifier, ".execute", lang="en"),
    # issuer
    "issuer-dashboard": Screen("issuer", _goto("/issuing/")),
    "issuer-upload": Screen("issuer", _goto("/issuing/o/{org}/upload/")),
    "issuer-batch-list": Screen("issuer", _goto("/issuing/o/{org}/batches/")),
    "issuer-batch-invalid": Screen("issuer", _goto("/issuing/batches/{batch_invalid}/"), ".alert.error"),
    "issuer-batch-validated": Screen(
        "issuer", _goto("/issuing/batches/{batch_validated}/"), ".credential-visual"
    ),
    "issuer-batch-in-progress": Screen(
        "issuer", _goto("/issuing/batches/{batch_sealing}/"), "#progress[hx-get] ~ .actions .danger"
    ),
    "issuer-batch-done": Screen("issuer", _goto("/issuing/batches/{batch_done}/"), "[data-testid=done]"),
    "issuer-e-seal": Screen("issuer", _goto("/issuing/o/{org}/seal/")),
    "issuer-audit-log": Screen("issuer", _goto("/issuing/o/{org}/audit/")),
    "issuer-credential": Screen("issuer", _goto("/issuing/credentials/{credential}/"), "button.danger"),
    "issuer-credential-revoked": Screen("issuer", _goto("/issuing/credentials/{credential_revoked}/")),
    # citizen
    "wallet-list": Screen("citizen", _goto("/wallet/")),
    "wallet-detail": Screen("citizen", _goto("/wallet/c/{held}/")),
    "wallet-upload": Screen("citizen", _goto("/wallet/upload/")),
    "wallet-share-created": Screen("citizen", _share_created, "[data-testid=share-url]"),
    "wallet-claim": Screen("citizen", _goto("/wallet/claim/{claim}/")),
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_axe_finds_no_wcag_2_1_aa_violation(portal: Portal, screen: str, lang: str, viewport: str) -> None:
    page = portal.page(SCREENS[screen].role, lang, viewport)
    SCREENS[screen].open(page, portal)
    assert page.locator(SCREENS[screen].shows).count() > 0, f"{screen} does not show {SCREENS[screen].shows}"
    violations = axe_violations(page)
    assert violations == [], f"{screen} ({lang}, {viewport}):\n{describe(violations)}"
    assert page.locator("html").get_attribute("lang") == (SCREENS[screen].lang or lang)


# --- focus visible at 3:1 ---------------------------------------------------------------------------------------

FOCUS_RING = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const parse = (color) => {
        const m = color.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const [r, g, b, a] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
        return {r, g, b, a: a === undefined ? 1 : a};
    };
    const luminance = ({r, g, b}) => {
        const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const contrast = (x, y) => {
        const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
        return (hi + 0.05) / (lo + 0.05);
    };
    const background = (node) => {  // the first opaque background from this element up
        for (let n = node; n; n = n.parentElement) {
            const c = parse(getComputedStyle(n).backgroundColor);
            if (c && c.a > 0.5) return c;
        }
        return {r: 255, g: 255, b: 255, a: 1};
    };
    const label = (el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " +
        (el.getAttribute("aria-label") || el.textContent || el.value || "").trim().slice(0, 40));
    const width = parseFloat(style.outlineWidth) || 0;
    if (style.outlineStyle === "none" || width < 2) return {label, ratios: [], width, style: style.outlineStyle};
    const ring = parse(style.outlineColor);
    const reach = width + (parseFloat(style.outlineOffset) || 0) + 1;  // just outside the ring
    const box = el.getBoundingClientRect();
    const [cx, cy] = [box.left + box.width / 2, box.top + box.height / 2];
    const points = [[box.left - reach, cy], [box.right + reach, cy], [cx, box.top - reach], [cx, box.bottom + reach]];
    const ratios = [];
    for (const [x, y] of points) {
        if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
        const behind = document.elementsFromPoint(x, y).find((n) => n !== el && !el.contains(n));
        if (behind) ratios.push(Math.round(contrast(ring, background(behind)) * 100) / 100);
    }
    return {label, ratios, width, style: style.outlineStyle};
}"""

FOCUS_PAGES = {
    "home": ("anonymous", "/"),
    "verify-form-errors": ("anonymous", None),
    "wallet-detail": ("citizen", "/wallet/c/{held}/"),
    "issuer-batch-in-progress": ("issuer", "/issuing/batches/{batch_sealing}/"),
    "register-list": ("anonymous", "/registry/qualifications/"),
    "api-docs": ("anonymous", None),
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(FOCUS_PAGES))
def test_the_focus_ring_has_3_to_1_against_what_surrounds_it(
    portal: Portal, name: str, viewport: str
) -> None:
    role, path = FOCUS_PAGES[name]
    page = portal.page(role, "en", viewport)
    if path is None:
        SCREENS[name].open(page, portal)
    else:
        page.goto(portal.url + path.format(**portal.ids))
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen, weak = 0, []
    for _ in range(60):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None:
            break
        seen += 1
        if not ring["ratios"] or min(ring["ratios"]) < 3:
            weak.append(ring)
    assert seen >= 5, f"{name}: only {seen} elements took the focus"
    assert weak == [], f"{name} ({viewport}): focus rings under 3:1 or not drawn: {weak}"


# --- the live progress speaks at milestones ---------------------------------------------------------------------

LISTEN = """() => {
    const said = document.getElementById("progress-said");
    window.__said = said;
    window.__spoken = [];
    window.__swaps = 0;
    new MutationObserver(() => window.__spoken.push(said.textContent.trim()))
        .observe(said, {childList: true, characterData: true, subtree: true});
    document.body.addEventListener("htmx:afterSwap", () => { window.__swaps += 1; });
}"""


def test_the_batch_progress_speaks_at_milestones_from_a_live_region_that_stays(portal: Portal) -> None:
    from europass.accounts.demo import ISSUER_EMAIL
    from europass.accounts.models import User
    from europass.registry.models import Organisation
    from issuing.models import Batch, IssuedCredential

    issuer = User.objects.get(email=ISSUER_EMAIL)
    organisation = Organisation.objects.get(slug=portal.ids["org"])
    batch = _batch(organisation, issuer, [_learner(i) for i in range(100, 120)], "twenty.csv", start=True)
    ids = list(batch.credentials.order_by("id").values_list("pk", flat=True))
    page = portal.page("issuer", "en", "desktop")
    page.goto(f"{portal.url}/issuing/batches/{batch.public_id}/")
    assert page.locator("#progress").get_attribute("aria-live") is None  # the bar redraws: it does not speak
    assert page.locator("#progress").get_attribute("role") is None
    page.evaluate(LISTEN)

    def spoken(count: int) -> list[str]:
        page.wait_for_function("(n) => window.__spoken.length >= n", arg=count, timeout=10_000)
        return page.evaluate("window.__spoken")

    def polls(count: int) -> None:
        start = page.evaluate("window.__swaps")
        page.wait_for_function("(n) => window.__swaps >= n", arg=start + count, timeout=10_000)

    # sealed and delivered (the page follows a batch until its deliveries)
    def sealed(pks: list[int]) -> None:
        IssuedCredential.objects.filter(pk__in=pks).update(
            status=IssuedCredential.Status.SEALED, delivery=IssuedCredential.Delivery.WALLET
        )

    assert spoken(1) == ["Sealing started: 20 credentials to seal."]
    sealed(ids[:1])  # 5 %: no milestone
    polls(2)
    assert page.evaluate("window.__spoken") == ["Sealing started: 20 credentials to seal."]
    assert "1 of 20 sealed" in page.locator("#progress").inner_text()  # while the bar moved on
    sealed(ids[1:2])  # 10 %
    assert spoken(2)[1] == "10 % sealed: 2 of 20."
    # A first failure.
    IssuedCredential.objects.filter(pk=ids[2]).update(status=IssuedCredential.Status.FAILED)
    assert spoken(3)[2] == "15 % sealed: 2 of 20. 1 failed."
    sealed(ids[3:])
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.DONE, finished_at=timezone.now())
    assert spoken(4)[3] == "Sealing finished: 19 of 20 sealed. 1 failed."
    page.get_by_test_id("done").wait_for()
    assert page.locator("#progress").get_attribute("hx-get") is None  # polling stopped
    assert page.evaluate("window.__said === document.getElementById('progress-said')")  # never replaced
    assert page.evaluate("window.__spoken.length") == 4 < page.evaluate("window.__swaps")
    assert page.get_by_test_id("progress-said").inner_text() == "Sealing finished: 19 of 20 sealed. 1 failed."


# --- a failed form is announced, focused, and its fields marked -------------------------------------------------

FOCUSED = "() => { const el = document.activeElement; return el && (el.getAttribute('data-testid') || el.id || el.tagName); }"


def _described_by(page: Any, selector: str) -> str:
    """The text of the elements that the field's aria-describedby names (each must exist)."""
    return page.evaluate(
        """(selector) => {
            const field = document.querySelector(selector);
            return (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean).map((id) => {
                const element = document.getElementById(id);
                return element ? element.textContent.trim() : "MISSING #" + id;
            }).join(" | ");
        }""",
        selector,
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_failed_verify_form_moves_the_focus_to_its_announced_summary_and_marks_the_field(
    portal: Portal, lang: str
) -> None:
    page = portal.page("anonymous", lang, "desktop")
    page.goto(portal.url + "/verify/")
    page.locator("#id_url").fill("not a link")
    page.locator("form[data-dropzone] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.evaluate(FOCUSED) == "error-summary"
    summary = page.get_by_test_id("error-summary")
    assert summary.get_by_role("alert").count() == 1
    message = {"en": "Enter a valid URL.", "fr": "Saisissez une URL valide."}[lang]
    assert message in summary.inner_text()
    field = page.locator("#id_url")
    assert field.get_attribute("aria-invalid") == "true"
    assert message in _described_by(page, "#id_url")
    assert page.locator("#id_xml").get_attribute("aria-invalid") is None  # only the field in error
    summary.get_by_role("link").first.click()
    assert page.evaluate(FOCUSED) == "id_url"


def test_a_failed_sign_in_moves_the_focus_to_its_announced_summary(portal: Portal) -> None:
    page = portal.page("anonymous", "en", "phone")
    _login_with_errors(page, portal)
    assert page.evaluate(FOCUSED) == "error-summary"
    assert "not correct" in page.get_by_role("alert").inner_text()


def test_a_failed_share_link_marks_its_date_field_with_its_error(portal: Portal) -> None:
    page = portal.page("citizen", "en", "desktop")
    page.goto(portal.url + "/wallet/c/{held}/".format(**portal.ids))
    form = page.locator("form[action$='/share']")
    form.evaluate("(form) => { form.noValidate = true; }")  # what the server says, not the browser
    page.locator("#id_expires_on").fill("2001-01-01")
    form.locator("button.primary").click()
    page.wait_for_load_state()
    assert page.evaluate(FOCUSED) == "error-summary"
    field = page.locator("#id_expires_on")
    assert field.get_attribute("aria-invalid") == "true"
    described = _described_by(page, "#id_expires_on")
    assert "At most one year from today." in described and "Choose an expiry date in the future." in described
    assert "MISSING" not in described


def test_a_failed_e_seal_upload_is_announced_and_focused(portal: Portal) -> None:
    page = portal.page("issuer", "en", "desktop")
    page.goto(portal.url + "/issuing/o/{org}/seal/".format(**portal.ids))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.evaluate(FOCUSED) == "error-summary"
    assert page.get_by_role("alert").inner_text().strip()
