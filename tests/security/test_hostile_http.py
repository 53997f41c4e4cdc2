"""A corpus of hostile and broken inputs sent to the verifier's API and page: each gets a 4xx with a clear message
on the API, a friendly message on the page, never a 500, never a leak."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from lxml import etree
from rest_framework.test import APIClient

from .test_hostile_xml import BILLION_LAUGHS, DEEP, EXTERNAL_DTD, XXE_FILE, XXE_HTTP

pytestmark = pytest.mark.django_db
API = "/api/v1/verify"
SNB = "http://data.europa.eu/snb"
DS = "http://www.w3.org/2000/09/xmldsig#"


def _pdf_without_xml() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<p>Diploma</p>").write_pdf())


def _pdf_bomb() -> bytes:
    """A PDF whose attached credential.xml is a small Flate stream inflating to 5 MB."""
    from pypdf import PdfWriter
    from pypdf.generic import StreamObject

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_attachment("credential.xml", b"<a>" + b" " * 5_000_000 + b"</a>")
    for i, obj in enumerate(writer._objects):
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/EmbeddedFile":
            writer._objects[i] = obj.flate_encode()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _nested_in_forged(xml: bytes) -> bytes:
    """The signed credential moved inside a forged one with another holder."""
    signed = etree.fromstring(xml)
    forged = etree.fromstring(xml.replace(b"Camille", b"Mallory"))
    for proof in forged.findall(f"{{{SNB}}}proof"):
        forged.remove(proof)
    forged.append(signed)
    return etree.tostring(forged)


def _forged_copy_in_object(xml: bytes) -> bytes:
    """A forged copy hidden in a ds:Object of the real signature."""
    root = etree.fromstring(xml)
    signature = root.find(f".//{{{DS}}}Signature")
    assert signature is not None
    holder = etree.SubElement(signature, f"{{{DS}}}Object")
    holder.append(etree.fromstring(xml.replace(b"Camille", b"Mallory")))
    return etree.tostring(root)


def _second_credential_beside(xml: bytes) -> bytes:
    """A wrapper carrying the signed credential and a forged one side by side."""
    wrapper = etree.Element("wrapper")
    wrapper.append(etree.fromstring(xml.replace(b"Camille", b"Mallory")))
    wrapper.append(etree.fromstring(xml))
    return etree.tostring(wrapper)


# name, payload builder (from our sealed credential), content type, expected API statuses
CASES: list[tuple[str, Callable[[bytes], bytes], str, set[int]]] = [
    ("XXE reading a file", lambda _: XXE_FILE, "application/xml", {400}),
    ("XXE over the network", lambda _: XXE_HTTP, "application/xml", {400}),
    ("billion laughs", lambda _: BILLION_LAUGHS, "application/xml", {400}),
    ("external DTD", lambda _: EXTERNAL_DTD, "application/xml", {400}),
    ("huge file", lambda _: b"<a>" + b"A" * 200_000 + b"</a>", "application/xml", {413}),
    ("10,000-deep nesting", lambda _: DEEP, "application/xml", {400}),
    ("signed credential nested in a forged one", _nested_in_forged, "application/xml", {422}),
    ("forged copy inside ds:Object", _forged_copy_in_object, "application/xml", {422}),
    ("second credential beside the signed one", _second_credential_beside, "application/xml", {400, 422}),
    ("truncated XML", lambda xml: xml[: len(xml) // 2], "application/xml", {400}),
    ("a PDF without XML", lambda _: _pdf_without_xml(), "application/pdf", {400}),
    ("a PDF bomb", lambda _: _pdf_bomb(), "application/pdf", {413}),
    ("a damaged PDF", lambda _: b"%PDF-1.7\n\x00\x01 garbage", "application/pdf", {400}),
    ("non-XML bytes", lambda _: bytes(range(256)) * 10, "application/xml", {400}),
    ("a PNG", lambda _: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "application/xml", {400}),
    ("empty body", lambda _: b"", "application/xml", {400}),
]
IDS = [case[0] for case in CASES]


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.VERIFY_MAX_UPLOAD_BYTES = 128 * 1024
    settings.VERIFY_MAX_XML_BYTES = 100 * 1024


def _no_leak(text: str) -> None:
    assert "root:x:" not in text and "Traceback" not in text and "/work/" not in text


@pytest.mark.parametrize(("name", "build", "content_type", "expected"), CASES, ids=IDS)
def test_the_api_answers_a_hostile_body_with_a_clear_4xx(
    ours: bytes, name: str, build: Callable[[bytes], bytes], content_type: str, expected: set[int]
) -> None:
    response = APIClient().post(API, data=build(ours), content_type=content_type)
    assert response.status_code in expected, (response.status_code, response.content[:300])
    body = response.json()
    if response.status_code == 422:
        assert body["valid"] is False and body["credential"] is None
        assert any(check["status"] == "failed" for check in body["checks"])
    else:
        assert body["error"] and body["detail"] and len(body["detail"]) < 300
    _no_leak(response.content.decode("utf-8", "replace"))


@pytest.mark.parametrize(("name", "build", "content_type", "expected"), CASES, ids=IDS)
def test_the_api_answers_a_hostile_multipart_file_with_a_clear_4xx(
    ours: bytes, name: str, build: Callable[[bytes], bytes], content_type: str, expected: set[int]
) -> None:
    upload = io.BytesIO(build(ours))
    upload.name = "credential.pdf" if content_type == "application/pdf" else "credential.xml"
    response = APIClient().post(API, {"file": upload}, format="multipart")
    assert response.status_code in expected, (response.status_code, response.content[:300])
    _no_leak(response.content.decode("utf-8", "replace"))


@pytest.mark.parametrize(("name", "build", "content_type", "expected"), CASES, ids=IDS)
def test_the_page_answers_a_hostile_upload_with_a_friendly_message(
    client: Client,
    ours: bytes,
    name: str,
    build: Callable[[bytes], bytes],
    content_type: str,
    expected: set[int],
) -> None:
    upload = io.BytesIO(build(ours))
    upload.name = "credential.pdf" if content_type == "application/pdf" else "credential.xml"
    response = client.post("/verify/", {"file": upload})
    html = response.content.decode()
    _no_leak(html)
    if response.status_code == 200:  # read, but the report says it failed
        assert 'data-verdict="failed"' in html and "Mallory" not in html
    else:
        assert response.status_code in (400, 413) and 'role="alert"' in html


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "image/png"])
def test_a_wrong_content_type_is_415(ours: bytes, content_type: str) -> None:
    response = APIClient().post(API, data=ours, content_type=content_type)
    assert response.status_code == 415 and response.json()["error"]


def test_pasted_hostile_xml_gets_a_friendly_message_on_the_page(client: Client) -> None:
    response = client.post("/verify/", {"xml": XXE_FILE.decode()})
    html = response.content.decode()
    assert 'data-verdict="failed"' in html or 'role="alert"' in html
    _no_leak(html)
