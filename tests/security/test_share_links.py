# ruff: noqa: F811 - the wallet's fixtures, imported for this file, are its tests' arguments
"""Share links cannot be outlived: a citizen's credential is public only through links they made knowingly, a link
that ended opens nothing (its page, its downloads, the verifier), every PDF's QR code points where the citizen
chose, and the database keeps no share token in clear (links made before that rule still open after the migration).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

import europass.core.pdf
from europass.core.errors import Gone
from tests.wallet.conftest import (  # noqa: F401 - fixtures for this file
    _wallet_settings,
    citizen,
    held,
    make_sealed,
    pki,
    sealed_xml,
    status_list,
    trusted,
)
from verification.links import xml_for_local_link
from wallet.models import CredentialPdf, ShareLink
from wallet.services import share_link_create, share_link_open
from wallet.tokens import token_hash

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
SHARE_PATH = re.compile(r"/wallet/s/([A-Za-z0-9_-]+)/")


def _created_on_the_page(client: Client, held: Any, **data: str) -> str:
    """The holder makes a link on their page; the address the page shows them (once), as a path."""
    data.setdefault("expires_on", (timezone.now() + dt.timedelta(days=1)).date().isoformat())
    response = client.post(f"/wallet/c/{held.public_id}/share", data)
    assert response.status_code == 201, response.content.decode()[:2000]
    (url,) = re.findall(r'value="([^"]+)"[^>]*data-testid="share-url"', response.content.decode())
    return str(url).removeprefix(SITE)


def _public_addresses(path: str) -> list[str]:
    return [path, f"{path}credential.xml", f"{path}credential.pdf", f"{path}credential.jsonld"]


@pytest.fixture
def qr_targets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What every QR code rendered into a PDF points at."""
    seen: list[str] = []
    real = europass.core.pdf.qr_svg_data_uri

    def spy(url: str) -> str:
        seen.append(url)
        return real(url)

    monkeypatch.setattr(europass.core.pdf, "qr_svg_data_uri", spy)
    return seen


def _pdf_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")


@pytest.mark.parametrize("ending", ["revoked", "expired"])
def test_a_share_link_that_ended_stops_its_page_its_downloads_and_the_verifiers_opening_of_it(
    client: Client, held: Any, trusted: Any, ending: str
) -> None:
    client.force_login(held.owner)
    path = _created_on_the_page(client, held, note="one-day link")
    visitor = Client()
    for address in _public_addresses(path):
        assert visitor.get(address).status_code == 200, address
    opened = visitor.post("/verify/", {"url": SITE + path})
    assert opened.status_code == 200 and 'data-verdict="verified"' in opened.content.decode()

    link = ShareLink.objects.get(credential=held)
    if ending == "revoked":
        assert client.post(f"/wallet/links/{link.public_id}/revoke").status_code == 302
    else:
        ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    for address in _public_addresses(path):
        response = visitor.get(address)
        assert response.status_code == 410, address
        assert b"Camille Martin" not in response.content and b"europassCredential" not in response.content
    for pasted in (SITE + path, SITE + path.rstrip("/")):
        refused = visitor.post("/verify/", {"url": pasted})
        assert refused.status_code == 400, pasted
        page = refused.content.decode()
        assert ("turned off" if ending == "revoked" else "expired") in page
        assert "Camille Martin" not in page and "data-verdict" not in page
    with pytest.raises(Gone):
        xml_for_local_link(path)


def test_the_pdf_of_a_share_page_carries_that_link_and_no_other_public_link(
    held: Any, qr_targets: list[str]
) -> None:
    link = share_link_create(credential=held, days=1)
    path = f"/wallet/s/{link.token}/"
    before = set(ShareLink.objects.values_list("pk", flat=True))
    response = Client().get(f"{path}credential.pdf")
    assert response.status_code == 200
    assert qr_targets == [SITE + path]
    assert SHARE_PATH.findall(_pdf_text(response.content)) == [link.token]
    assert set(ShareLink.objects.values_list("pk", flat=True)) == before
    assert not CredentialPdf.objects.exists()  # it carries a token in clear: never stored


def test_downloading_ones_own_pdf_creates_no_public_link(
    client: Client, held: Any, qr_targets: list[str]
) -> None:
    client.force_login(held.owner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=held.owner).key}")
    assert ShareLink.objects.count() == 0
    page_pdf = client.get(f"/wallet/c/{held.public_id}/credential.pdf").content
    api_pdf = b"".join(api.get(f"/api/v1/wallet/credentials/{held.public_id}/download/pdf"))
    export = zipfile.ZipFile(io.BytesIO(client.get("/wallet/export.zip").content))
    (exported,) = (name for name in export.namelist() if name.endswith(".pdf"))
    assert ShareLink.objects.count() == 0
    assert set(qr_targets) <= {SITE + "/verify/"}  # rendered once, then served from the store
    for pdf in (page_pdf, api_pdf, export.read(exported)):
        text = _pdf_text(pdf)
        assert "/wallet/s/" not in text and f"{SITE}/verify/" in text


def test_the_database_holds_no_share_token_in_clear(client: Client, held: Any) -> None:
    client.force_login(held.owner)
    on_page = SHARE_PATH.findall(_created_on_the_page(client, held, note="page"))
    api = APIClient()
    api.force_authenticate(held.owner)
    created = api.post(f"/api/v1/wallet/credentials/{held.public_id}/share-links", {}, format="json").json()
    from_api = SHARE_PATH.findall(created["url"])
    listed = api.get(f"/api/v1/wallet/credentials/{held.public_id}/share-links").json()
    assert {item["url"] for item in listed} == {None}  # the address is given once, at creation
    tokens = on_page + from_api
    assert len(tokens) == 2
    for token in tokens:
        assert Client().get(f"/wallet/s/{token}/credential.pdf").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM wallet_sharelink")
        rows = cursor.fetchall()
        assert len(rows) == 2
        stored = [str(bytes(v) if isinstance(v, bytes | memoryview) else v) for row in rows for v in row]
        for token in tokens:
            assert not any(token in value for value in stored)
            assert token_hash(token) in stored
        for table in connection.introspection.table_names(cursor):  # nowhere else either (sessions, messages)
            cursor.execute(f'SELECT * FROM "{table}"')  # names from the database itself
            for row in cursor.fetchall():
                for value in row:
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    assert not any(token.encode() in raw for token in tokens), table
    assert not CredentialPdf.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_share_link_made_before_the_migration_still_opens_after_it(citizen: Any, sealed_xml: bytes) -> None:
    from django.db.migrations.executor import MigrationExecutor

    from wallet.summary import parse_credential, summarize

    executor = MigrationExecutor(connection)
    executor.migrate([("wallet", "0001_initial")])
    old = executor.loader.project_state([("wallet", "0001_initial")]).apps
    summary = summarize(parse_credential(sealed_xml), sealed_xml)
    credential = old.get_model("wallet", "WalletCredential").objects.create(
        owner_id=citizen.pk,
        credential_id=summary.credential_id,
        xml=sealed_xml,
        xml_sha256=summary.xml_sha256,
        source="issued",
    )
    OldLink = old.get_model("wallet", "ShareLink")
    now = timezone.now()
    shared = OldLink.objects.create(
        owner_id=citizen.pk,
        credential=credential,
        token="made-before-" + "s" * 20,
        expires_at=now + dt.timedelta(days=3),
    )
    silent = OldLink.objects.create(
        owner_id=citizen.pk,
        credential=credential,
        token="made-before-" + "p" * 20,
        purpose="pdf",
        expires_at=now + dt.timedelta(days=3650),
    )
    old.get_model("wallet", "CredentialPdf").objects.create(
        key="k" * 64, xml_sha256=summary.xml_sha256, pdf=b"%PDF- printing made-before-ppp"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    opened = share_link_open(token="made-before-" + "s" * 20)
    assert opened.pk == shared.pk and opened.credential is not None
    assert bytes(opened.credential.xml) == sealed_xml
    assert ShareLink.objects.get(pk=shared.pk).token_hash == token_hash("made-before-" + "s" * 20)
    assert Client().get("/wallet/s/made-before-" + "s" * 20 + "/").status_code == 200
    printed = ShareLink.objects.get(
        pk=silent.pk
    )  # the code printed on an earlier PDF still opens, for a year
    assert share_link_open(token="made-before-" + "p" * 20).pk == silent.pk
    assert printed.expires_at <= timezone.now() + dt.timedelta(days=366)
    assert not CredentialPdf.objects.exists()  # rendered PDFs printed tokens in clear: dropped (a cache)


def test_a_share_page_sends_its_address_to_no_other_site_but_keeps_its_origin_for_its_own_forms(
    client: Client, held: Any
) -> None:
    client.force_login(held.owner)
    path = _created_on_the_page(client, held)
    page = Client().get(path)
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
