"""A file name that comes from a person (an uploaded sheet's name) never shapes the download into something else:
no second header, no other extension than the content's, no path, no hidden right-to-left trick."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from europass.accounts.models import Membership, User
from europass.core.downloads import XLSX, attachment, content_disposition, safe_filename
from europass.registry.demo import setup_registry
from issuing.services.batches import batch_upload
from tests.issuing.conftest import learner, xlsx

HOSTILE_NAMES = [
    "evil.html",
    'a"b;.xml',
    "../../x",
    "..\\..\\windows\\system32\\x.exe",
    "report\r\nSet-Cookie: session=stolen",
    "crédit ünïcødé 学位.xml",
    "invoice\u202eLMTH.xml",  # right-to-left override: would display as "invoiceLMX.HTML"
    "a; filename=evil.html",
    "",
    "..",
    "   ",
    "x" * 1000,
    "résumé%20.pdf",
    "null\x00byte.xml",
]

PLAIN_PARAMETER = re.compile(
    r'^attachment; filename="([A-Za-z0-9_-]+\.[a-z]+)"(; filename\*=UTF-8\'\'([^\s";]+))?$'
)


def _names(header: str) -> tuple[str, str]:
    match = PLAIN_PARAMETER.match(header)
    assert match, header
    return match.group(1), unquote(match.group(3) or match.group(1))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize(
    ("content_type", "extension"),
    [
        ("application/xml", "xml"),
        ("application/pdf", "pdf"),
        (XLSX, "xlsx"),
        ("text/csv; charset=utf-8", "csv"),
    ],
)
def test_a_hostile_name_becomes_one_safe_parameter_with_the_content_types_extension(
    name: str, content_type: str, extension: str
) -> None:
    header = content_disposition(name, content_type=content_type)
    ascii_name, full_name = _names(header)
    for saved in (ascii_name, full_name):
        assert saved.endswith(f".{extension}") and saved.count(".") == 1, saved
        assert not any(char in saved for char in "/\\\r\n\x00\"';\u202e"), saved
        assert len(saved) <= 130
    assert "\r" not in header and "\n" not in header


def test_an_html_name_is_saved_as_the_content_it_holds() -> None:
    assert safe_filename("evil.html", content_type="application/xml") == "evil_html.xml"
    assert safe_filename("../../x", content_type="application/xml") == "x.xml"
    assert safe_filename('a"b;.xml', content_type="application/xml") == "a_b.xml"
    assert safe_filename("", content_type="application/pdf") == "download.pdf"


def test_a_unicode_name_is_kept_in_the_utf8_parameter_with_an_ascii_fallback() -> None:
    ascii_name, full_name = _names(content_disposition("crédit 学位.xml", content_type="application/xml"))
    assert ascii_name == "credit.xml"
    assert full_name == "crédit_学位.xml"


def test_a_plain_name_is_offered_as_it_is() -> None:
    header = content_disposition("credential-0b5e.xml", content_type="application/xml")
    assert header == 'attachment; filename="credential-0b5e.xml"'


def test_a_content_type_without_a_known_extension_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        attachment(HttpResponse(b"<p>", content_type="text/html"), "page.html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("evil.html", "evil-checked.xlsx"),
        ('a.html"; x=".xlsx', "a_html_x_-checked.xlsx"),  # was saved as a.html
        ('a"b;.xml', "a_b_-checked.xlsx"),
        ("../../x", "x-checked.xlsx"),
        ('cohort.xlsx"; filename="evil.html', "cohort_xlsx_filename_evil-checked.xlsx"),
        ("cohort\r\nX-Injected: 1.xlsx", "cohort_X-Injected_1-checked.xlsx"),
        ("promo été.xlsx", "promo_été-checked.xlsx"),
    ],
)
def test_the_checked_sheet_download_is_named_safely_after_a_hostile_upload_name(
    client: Client, filename: str, expected: str
) -> None:
    organisation = setup_registry()
    staff = User.objects.create_user("staff@demo.example", "a-long-Passphrase-42", is_staff=True)
    Membership.objects.create(user=staff, organisation=organisation, role=Membership.Role.ADMIN)
    client.force_login(staff)
    batch = batch_upload(
        organisation=organisation, actor=staff, data=xlsx([learner(1, email="bad")]), filename=filename
    )
    response = client.get(reverse("issuing:batch_annotated", args=[batch.public_id]))
    assert response.status_code == 200
    assert "X-Injected" not in response.headers
    _ascii_name, full_name = _names(response["Content-Disposition"])
    assert full_name == expected
