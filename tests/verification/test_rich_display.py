"""Rich credentials shown in full: the verify page, the report (JSON and PDF), the credential PDF, the wallet and
share pages show every achievement, its grades, activities and entitlements, and offer attachments for saving."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from lxml import etree
from pypdf import PdfReader

from europass.credentials.example import example_credential
from europass.credentials.model import ATTACHMENT_MAX_BYTES, S
from europass.sealing.demo import DemoPKI
from europass.sealing.seal import Sealer

from .conftest import ANF_SAMPLE, INTEROP, SITE, sample

ACT_SAMPLE = "EDC_SampleACT_AA.xml"
DS_TITLES = ("Master of Science in Civil Engineering", "Applied mathematics", "Concrete structures I")
PDF_BYTES = b"%PDF-1.4\n% a transcript\n" + b"0" * 2000
HTML_BYTES = b"<html><script>alert(document.cookie)</script></html>"

pytestmark = pytest.mark.django_db


def _token(html: str) -> str:
    match = re.search(r"/verify/report/([\w-]+)\.json", html)
    assert match, "no report link"
    return match.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _pdf_text(pdf: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages).replace(
        "\n", " "
    )


def with_attachments(pki: DemoPKI, *items: tuple[str, str, bytes]) -> bytes:
    """One of our credentials carrying attachments (title, declared media type, bytes), sealed by the demo PKI."""
    root = etree.fromstring(example_credential(site=SITE).to_xml())
    container = etree.SubElement(root, S("attachmentList"))
    for number, (title, media_type, content) in enumerate(items, 1):
        element = etree.SubElement(container, S("Attachment"), id=f"urn:attachment:{number}")
        kind = etree.SubElement(element, S("contentType"))
        etree.SubElement(etree.SubElement(kind, S("targetName")), S("text"), lang="en").text = media_type
        etree.SubElement(etree.SubElement(element, S("title")), S("text"), lang="en").text = title
        etree.SubElement(element, S("content")).text = base64.b64encode(content).decode()
    return Sealer(pki.seal).seal(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- the verify page, its report -------------------------------------------------------------------------------


def test_the_verify_page_shows_every_achievement_of_the_diploma_supplement_with_its_grades(
    client: Client,
) -> None:
    html = client.post("/verify/", {"xml": sample(ANF_SAMPLE).decode()}).content.decode()
    assert html.count('data-testid="achievement"') == 3
    text = _text(html)
    for title in DS_TITLES:
        assert title in text
    for shown in (
        "Overall Assessment",
        "5 - excellent",
        "4 - good",
        "General grading scheme",
        "Applied mathematics course",
        "60 hours",
        "14 September 2017 – 14 January 2018",
        "Recognition for credit",
        "Postgraduate doctoral study",
        "120 ECTS",
        "MECU Level 5",
        "Learning Outcome 1 related to applied mathematics",
        "Diploma Supplement",
    ):
        assert shown in text, shown
    assert 'data-number="1.2"' in html and "<script" not in html.split('data-testid="rich"', 1)[1]


def test_the_activity_credential_shows_its_activity_in_the_wallet_and_its_pdf(client: Client) -> None:
    """The sample is unsigned: the verifier shows nothing of it, the wallet's own copy is shown as it reads."""
    from europass.accounts.models import User
    from wallet.presenting import pdf_for_xml
    from wallet.services import credential_receive

    owner = User.objects.create_user("act@rich.example", "a-long-Passphrase-42")
    held = credential_receive(owner=owner, xml=sample(ACT_SAMPLE))
    client.force_login(owner)
    text = _text(client.get(f"/wallet/c/{held.public_id}/").content.decode())
    assert "InfoDay 2021" in text and "21 December 2021 – 22 December 2021" in text
    assert "workshop, seminar or conference" in text and "Calle Barba Negra 5; 28006, Madrid" in text
    pdf = _pdf_text(pdf_for_xml(xml=sample(ACT_SAMPLE), qr_url=f"{SITE}/verify/", lang="en"))
    assert "InfoDay 2021" in pdf and "Calle Barba Negra" in pdf


def test_the_page_speaks_french_around_the_rich_parts(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "fr"})
    html = client.post(
        "/verify/", {"xml": sample(ANF_SAMPLE).decode()}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    for label in (
        "Évaluations",
        "Activités d'apprentissage",
        "Droits conférés",
        "Barème de notation",
        "60 heures",
    ):
        assert label in html, label


def test_the_report_json_carries_every_achievement_with_its_grades(client: Client) -> None:
    token = _token(client.post("/verify/", {"xml": sample(ANF_SAMPLE).decode()}).content.decode())
    credential = json.loads(client.get(f"/verify/report/{token}.json").content)["credential"]
    (master,) = credential["achievements"]
    assert {"title", "awarded_on", "grade", "awarded_by", "qualification"} <= set(
        master
    )  # the keys of before
    assert master["title"] == DS_TITLES[0] and master["grade"] == "5 - excellent"
    assert master["qualification"]["credits"] == "120"
    assert [part["title"] for part in master["sub_achievements"]] == list(DS_TITLES[1:])
    (overall,) = master["assessments"]
    assert overall["grading_scheme"]["title"] == "General grading scheme"
    assert [part["grade"] for part in overall["parts"]] == ["5 - excellent", "4 - good"]
    maths = master["sub_achievements"][0]
    assert maths["qualification"]["eqf_level"] == 5
    assert (
        maths["activities"][0]["workload_hours"] == "60"
        and maths["activities"][0]["started_on"] == "2017-09-14"
    )
    assert credential["credential_type"] == "Diploma Supplement"
    assert [e["title"] for e in credential["entitlements"]][-1] == "Civil engineer"


def test_the_report_pdf_shows_each_achievement_and_a_grade(client: Client) -> None:
    token = _token(client.post("/verify/", {"xml": sample(ANF_SAMPLE).decode()}).content.decode())
    text = _pdf_text(client.get(f"/verify/report/{token}.pdf").content)
    for shown in (*DS_TITLES, "5 - excellent", "4 - good", "Applied mathematics course"):
        assert shown in text, shown


def test_the_credential_pdf_shows_each_achievement_and_a_grade() -> None:
    from wallet.presenting import pdf_for_xml

    pdf = pdf_for_xml(xml=sample(ANF_SAMPLE), qr_url=f"{SITE}/verify/", lang="en")
    text = _pdf_text(pdf)
    for shown in (*DS_TITLES, "5 - excellent", "4 - good", "Recognition for credit", "120 ECTS"):
        assert shown in text, shown
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 1


def test_a_simple_credential_shows_no_rich_section(client: Client, ours: bytes) -> None:
    html = client.post("/verify/", {"xml": ours.decode()}).content.decode()
    assert 'data-testid="rich"' not in html and "Bachelor of Computer Science" in html


# --- attachments -----------------------------------------------------------------------------------------------


def test_an_attachment_downloads_from_the_verify_page_as_a_saved_file(client: Client, pki: DemoPKI) -> None:
    xml = with_attachments(pki, ("Transcript of records", "application/pdf", PDF_BYTES))
    html = client.post("/verify/", {"xml": xml.decode()}).content.decode()
    links = re.findall(r'href="(/verify/report/[\w-]+/attachments/\d+)"', html)
    assert links and "Transcript of records" in html
    response = client.get(links[0])
    assert response.status_code == 200 and response.content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Transcript_of_records.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    token = _token(html)  # the kept report offers it again in the other language
    again = client.get(f"/verify/report/{token}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert links[0] in again
    assert client.get(f"/verify/report/{token}/attachments/9").status_code == 404


def test_an_html_attachment_with_a_hostile_name_is_never_served_inline(client: Client, pki: DemoPKI) -> None:
    xml = with_attachments(pki, ("../../index.html\u202egpj.exe\r\nX-Evil: 1", "text/html", HTML_BYTES))
    html = client.post("/verify/", {"xml": xml.decode()}).content.decode()
    (link,) = re.findall(r'href="(/verify/report/[\w-]+/attachments/\d+)"', html)
    response = client.get(link)
    assert response["Content-Type"] == "application/octet-stream"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.bin"')
    assert "/" not in disposition and "\r" not in disposition and "\u202e" not in disposition
    assert "sandbox" in response["Content-Security-Policy"]
    assert "X-Evil" not in response


def test_a_huge_attachment_is_listed_and_not_offered(client: Client, pki: DemoPKI) -> None:
    xml = with_attachments(pki, ("Scan", "application/pdf", b"%PDF" + b"x" * ATTACHMENT_MAX_BYTES))
    response = client.post("/verify/", {"xml": xml.decode()})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="attachments"' in html
    assert "too large to be kept here" in html and "/attachments/" not in html
    assert _token(html)  # the report itself is still kept: its bytes were not


def test_a_hostile_document_with_ten_thousand_nested_parts_gets_a_clear_answer(client: Client) -> None:
    depth = 10_000
    xml = example_credential(site=SITE).to_xml().decode()
    parts = "<hasPart><learningAchievement id='x'><title><text lang='en'>p</text></title>" * depth
    xml = xml.replace(
        "</learningAchievement>",
        parts + "</learningAchievement></hasPart>" * depth + "</learningAchievement>",
        1,
    )
    html = client.post("/verify/", {"xml": xml}).content.decode()
    assert 'data-verdict="failed"' in html and "nested more than" in html


def test_the_wallet_and_share_pages_offer_the_attachment(client: Client, pki: DemoPKI) -> None:
    from europass.accounts.models import User
    from wallet.services import credential_receive, share_link_create

    owner = User.objects.create_user("holder@rich.example", "a-long-Passphrase-42")
    held = credential_receive(
        owner=owner, xml=with_attachments(pki, ("Transcript", "application/pdf", PDF_BYTES))
    )
    client.force_login(owner)
    detail = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    (mine,) = re.findall(r'href="(/wallet/c/[\w-]+/attachments/1)"', detail)
    response = client.get(mine)
    assert response.content == PDF_BYTES and response["Content-Disposition"].startswith("attachment;")
    assert client.get(f"/wallet/c/{held.public_id}/attachments/2").status_code == 404
    client.force_login(User.objects.create_user("stranger@rich.example", "a-long-Passphrase-42"))
    assert client.get(mine).status_code == 404  # another citizen gets nothing
    client.logout()
    assert client.get(mine).status_code == 302  # an anonymous visitor is sent to sign in
    link = share_link_create(credential=held)
    shared = client.get(f"/wallet/s/{link.token}/").content.decode()
    (public,) = re.findall(r'href="(/wallet/s/[\w-]+/attachments/1)"', shared)
    response = client.get(public)
    assert response.content == PDF_BYTES and response["Content-Type"] == "application/pdf"


# --- a person looking at it, on a phone -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_diploma_supplement_fits_a_375_px_phone(live_server: Any, browser: Any, settings: Any) -> None:
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=1, is_mobile=True
    )
    page = context.new_page()
    page.goto(live_server.url + "/verify/")
    page.get_by_label("or upload the file").set_input_files(str(INTEROP / ANF_SAMPLE))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.get_by_test_id("rich").wait_for()
    assert page.locator('[data-testid="achievement"]').count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for table in page.locator(".cv-table").all():  # long tables scroll inside their own box, not the page
        assert table.evaluate("t => t.closest('.table-wrap') !== null")
    context.close()
