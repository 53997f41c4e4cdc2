"""One report component on every page that shows a verification: each kind of outcome has its own headline and
next step, details are labelled in words (codes stay in the JSON), the share page lists the checks, and the report
PDF keeps each label beside its value."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as htmllib
import re
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from europass.credentials.example import example_credential
from europass.sealing.demo import DemoPKI
from europass.sealing.seal import Sealer

from .conftest import HALCOM_SAMPLE, SITE, Make, own_root_pem, past, sample

pytestmark = pytest.mark.django_db


def _page(client: Client, document: bytes, lang: str = "en") -> str:
    response = client.post("/verify/", {"xml": document.decode()}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, response.content[:500]
    return htmllib.unescape(response.content.decode())


def _outcome(html: str) -> str:
    match = re.search(r'data-testid="verdict" data-verdict="[a-z_]+" data-outcome="([a-z_]+)"', html)
    assert match, "no outcome banner"
    return match.group(1)


def _headline(html: str) -> str:
    match = re.search(r'<strong data-testid="headline">([^<]+)</strong>', html)
    assert match, "no headline"
    return match.group(1).strip()


def _check(html: str, code: str) -> str:
    match = re.search(
        rf'<li class="check [^"]*" data-check="{code}".*?(?=<li class="check |</section>)', html, re.S
    )
    assert match, code
    return match.group(0)


def _revoke(allocation: Any) -> None:
    from europass.status.services import status_set

    status_set(status_list=allocation.status_list, index=allocation.start, revoked=True)


@pytest.fixture
def seal_with(pki: DemoPKI) -> Callable[..., bytes]:
    """Seal the demo credential (changed by ``change``) with a certificate of the demo PKI's anchor."""
    from europass.sealing.demo import issue_certificate, new_key, seal_subject
    from europass.sealing.keys import SealKey

    def seal(*, valid_from: dt.datetime | None = None, change: Callable[[Any], Any] | None = None) -> bytes:
        credential = example_credential(site=SITE)
        if change is not None:
            credential = change(credential)
        if valid_from is None:
            return Sealer(pki.seal).seal(credential.to_xml())
        key = new_key("ec")
        subject = seal_subject("Demo University", "VATFR-12345678901", "FR")
        cert = issue_certificate(pki.anchor_cert, pki.anchor_key, subject, key=key, valid_from=valid_from)
        return Sealer(SealKey(key, cert, ())).seal(credential.to_xml())

    return seal


# --- headlines and next steps --------------------------------------------------------------------------------------


def test_a_revoked_credential_is_headlined_as_revoked_with_the_date_and_whom_to_ask(
    client: Client, ours: bytes, allocation: Any
) -> None:
    _revoke(allocation)
    html = _page(client, ours)
    assert _outcome(html) == "revoked"
    assert _headline(html) == "Revoked: the awarding body has withdrawn this credential"
    today = dt.datetime.now(dt.UTC)
    assert f"Demo University revoked it on {today.day} {today:%B %Y}." in html
    assert "If the holder believes this is a mistake, they should contact Demo University." in html
    assert 'data-status="revoked"' in html and 'data-status="valid"' not in html  # the visual's badge
    french = _page(client, ours, "fr")
    assert _headline(french) == "Révoquée : l'organisme a retiré cette attestation"


def test_a_tampered_credential_says_the_seal_is_broken_and_what_to_do_next(
    client: Client, ours: bytes
) -> None:
    html = _page(client, ours.decode().replace("Camille", "Camilla", 1).encode())
    assert _outcome(html) == "tampered"
    assert _headline(html) == "Seal broken: this is not the credential as its awarding body issued it"
    assert "do not rely on anything it says" in html
    assert "Ask the holder for the original file as they received it" in html
    seal = _check(html, "seal_intact")
    assert 'data-status="failed"' in seal and 'data-testid="check-advice"' in seal
    assert "No further details" not in html and "Camilla" not in html
    french = _page(client, ours.decode().replace("Camille", "Camilla", 1).encode(), "fr")
    assert _headline(french) == "Cachet rompu : ce n'est pas l'attestation telle que l'organisme l'a délivrée"
    assert "Demandez au titulaire le fichier original" in french


def test_each_kind_of_failure_has_its_own_headline(
    client: Client,
    ours: bytes,
    make: Make,
    make_for: Callable[..., bytes],
    seal_with: Callable[..., bytes],
    allocation: Any,
) -> None:
    def eqf_7(credential: Any) -> Any:
        first = credential.achievements[0]
        changed = dataclasses.replace(first.qualification, eqf_level=7)
        return dataclasses.replace(
            credential, achievements=(dataclasses.replace(first, qualification=changed),)
        )

    documents = {
        "tampered": ours.decode().replace("Camille", "Camilla", 1).encode(),
        "unreadable": b"<credential>cut short",
        "expired": make(valid_until=past(10)),
        "untrusted": sample(HALCOM_SAMPLE),
        "certificate_not_yet_valid": seal_with(valid_from=dt.datetime.now(dt.UTC) + dt.timedelta(days=3)),
        "wrong_sealer": make_for(org_name="Other College", org_identifier="VATBE-0999999999"),
        "qualification_mismatch": seal_with(change=eqf_7),
        "verified": make(),
    }
    headlines: dict[str, str] = {}
    for kind, document in documents.items():
        html = _page(client, document)
        assert _outcome(html) == kind, (kind, _headline(html))
        headlines[kind] = _headline(html)
        assert "No further details" not in html
    _revoke(allocation)
    html = _page(client, ours)
    headlines[_outcome(html)] = _headline(html)
    assert len(set(headlines.values())) == len(headlines) == 9, headlines
    assert headlines["expired"].startswith("Expired: this credential was valid until ")
    assert headlines["untrusted"] == "Seal intact, but made with a certificate that is not trusted here"
    assert headlines["verified"] == "Verified: this credential is genuine and valid."


def test_a_credential_the_register_cannot_confirm_is_partially_verified_and_says_what_was_not_confirmed(
    client: Client, register: Any
) -> None:
    from europass.registry.services import trust_anchor_add

    trust_anchor_add(pem=own_root_pem(HALCOM_SAMPLE), name="Halcom root", qualified_for_seals=False)
    html = _page(client, sample(HALCOM_SAMPLE))
    assert _outcome(html) == "partially_verified"
    assert "Not confirmed: " in html and "Awarding body accredited" in html
    assert 'data-testid="untrusted-help"' not in html


def test_an_unreadable_input_is_said_plainly(client: Client, db: None) -> None:
    html = _page(client, b"<credential>cut short")
    assert _headline(html) == "Not a credential this verifier can read"
    assert "Ask the holder for the file exactly as it was issued" in html


# --- details in words ---------------------------------------------------------------------------------------------


def test_details_show_labels_and_readable_certificate_names_never_raw_keys_or_codes(
    client: Client, ours: bytes
) -> None:
    html = _page(client, ours)
    for raw in (
        "register_eqf_level",
        "credential_eqf_level",
        "legal_identifier",
        "seal_format",
        "none_published",
        "EUROPASS_SCHEMA_DIR",
        "2.5.4.97",
        "Organization Identifier",
        "Common Name",
    ):
        assert raw not in html, raw
    seal = _check(html, "seal_intact")
    assert "Name: Demo University e-seal; Organisation identifier: VATFR-12345678901" in seal
    assert "XAdES (a seal inside the XML document)" in seal
    register = _check(html, "qualification_registered")
    assert "DEMO-BACHELOR-CS: EQF level 6 in the register, 6 in the credential" in register
    trusted = _check(html, "certificate_trusted")
    assert "its certificate authority publishes no revocation service for it" in trusted

    french = _page(client, ours, "fr")
    assert "Nom: Demo University e-seal; Identifiant de l'organisme: VATFR-12345678901" in french
    assert "DEMO-BACHELOR-CS : niveau CEC 6 au registre, 6 dans l'attestation" in french
    assert "Source du statut" in french or "ce portail" in french


def test_an_attribute_code_no_one_can_read_stays_in_the_json_only(client: Client, db: None) -> None:
    response = client.post("/verify/", {"xml": sample(HALCOM_SAMPLE).decode()})
    html = htmllib.unescape(response.content.decode())
    assert "1.3.6.1.4.1.5939.2.3" not in html
    assert "Other attribute: 61038750" in html and "Given name: Anthony Fisher Camilleri S.p." in html
    token = re.search(r"/verify/report/([\w-]+)\.json", html)
    assert token
    body = client.get(f"/verify/report/{token.group(1)}.json").json()
    seal = next(check for check in body["checks"] if check["code"] == "seal_intact")
    assert "1.3.6.1.4.1.5939.2.3: 61038750" in seal["details"]["sealed_by"]
    assert seal["details"]["seal_format"] == "xades"


def test_certificate_names_written_in_rfc_4514_read_the_same() -> None:
    from django.utils import translation

    from verification.details import readable_name

    with translation.override("en"):
        assert readable_name("2.5.4.97=VATFR-1\\,2,CN=Demo,O=Demo University,C=FR") == (
            "Organisation identifier: VATFR-1,2; Name: Demo; Organisation: Demo University; Country: FR"
        )
        assert readable_name("Demo University") == "Demo University"


# --- the share page -----------------------------------------------------------------------------------------------


def _share_page(client: Client, document: bytes, lang: str = "en") -> tuple[str, Any]:
    from europass.accounts.models import User
    from wallet.services import credential_receive, share_link_create

    owner = User.objects.create_user(f"holder-{len(document)}@report.example", "a-long-Passphrase-42")
    link = share_link_create(credential=credential_receive(owner=owner, xml=document))
    response = client.get(f"/wallet/s/{link.token}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return htmllib.unescape(response.content.decode()), link


def test_the_share_page_shows_the_verifiers_headline_and_lists_every_check(
    client: Client, ours: bytes
) -> None:
    html, link = _share_page(client, ours)
    assert len(re.findall(r'<li class="check check-passed" data-check="', html)) == 10
    assert _outcome(html) == "verified" and html.count('data-testid="verdict"') == 1
    assert _headline(html) == "Verified: this credential is genuine and valid."
    assert "Name: Demo University e-seal" in html and "No further details" not in html
    french = htmllib.unescape(
        client.get(f"/wallet/s/{link.token}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert _headline(french) == "Vérifiée : cette attestation est authentique et valide."
    assert len(re.findall(r'data-check="', french)) == 10 and "Contrôles" in french


def test_a_revoked_credential_on_its_share_page_is_headlined_revoked_and_never_badged_valid(
    client: Client, ours: bytes, allocation: Any
) -> None:
    html, link = _share_page(client, ours)
    _revoke(allocation)
    html = htmllib.unescape(client.get(f"/wallet/s/{link.token}/").content.decode())
    assert _outcome(html) == "revoked"
    assert _headline(html) == "Revoked: the awarding body has withdrawn this credential"
    assert 'data-status="valid"' not in html
    french = htmllib.unescape(
        client.get(f"/wallet/s/{link.token}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert _headline(french) == "Révoquée : l'organisme a retiré cette attestation"
    assert len(re.findall(r'data-check="', french)) == 10


def test_a_shared_credential_the_verifier_now_fails_is_never_badged_valid(
    client: Client, ours: bytes
) -> None:
    from europass.registry.models import TrustAnchor

    html, link = _share_page(client, ours)
    TrustAnchor.objects.all().delete()  # its authority is no longer trusted here
    from europass.registry.selectors import TRUST_VERSION

    TRUST_VERSION.bump()
    html = htmllib.unescape(client.get(f"/wallet/s/{link.token}/").content.decode())
    assert _outcome(html) == "untrusted"
    assert 'data-status="valid"' not in html


# --- the report PDF -----------------------------------------------------------------------------------------------


def _words(pdf: bytes, tmp_path: Any) -> list[tuple[float, float, str]]:
    """Every word of the PDF's pages with its left x and top y (pdftotext -bbox), page after page."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for page, chunk in enumerate(out.split("<page ")[1:]):
        for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', chunk):
            words.append((float(x), page * 10_000 + float(y), htmllib.unescape(word)))
    return words


def _beside(words: list[tuple[float, float, str]], label: list[str]) -> str:
    """The first word printed to the right of ``label``'s first line, on that line."""
    texts = [word for _x, _y, word in words]
    for start in range(len(texts) - len(label)):
        if texts[start : start + len(label)] == label:
            x0, y0, _word = words[start]
            right = [(x, w) for x, y, w in words if abs(y - y0) < 1.5 and x > x0 + 110]
            return min(right)[1] if right else ""
    raise AssertionError(f"label {label} not found")


def test_the_report_pdf_keeps_each_value_beside_the_first_line_of_its_label(
    ours: bytes, tmp_path: Any
) -> None:
    from verification.presenting import report_pdf
    from verification.services import verify_document

    pdf = report_pdf(verify_document(ours), lang="en", checked_at=dt.datetime.now(dt.UTC))
    words = _words(pdf, tmp_path)
    # Labels that wrap onto two or three lines, and the rows after them.
    assert _beside(words, ["Identifiers", "the", "credential"]) == "VATFR-12345678901"
    assert _beside(words, ["Organisation", "identifier", "of"]) == "VATFR-12345678901"
    assert _beside(words, ["The", "register's", "entry"]) == "Demo"
    assert _beside(words, ["Signing", "time", "claimed"]) == str(dt.datetime.now(dt.UTC).day)
    assert _beside(words, ["Source", "of", "the"]) == "claimed"
    assert _beside(words, ["Holder"]) == "Camille"
    text = " ".join(word for _x, _y, word in words)
    assert "register_eqf_level" not in text and "Verified: this credential is genuine and valid." in text
