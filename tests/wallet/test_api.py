"""The wallet's JSON API: list, detail with live verification, downloads, share links, upload; token auth too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from wallet.models import WalletCredential

pytestmark = pytest.mark.django_db
BASE = "/api/v1/wallet"


@pytest.fixture
def api(held: Any) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=held.owner)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_lists_my_credentials_with_their_summary(api: APIClient, held: Any) -> None:
    (item,) = api.get(f"{BASE}/credentials").json()
    assert item["id"] == str(held.public_id)
    assert item["title"] == "Bachelor of Computer Science"
    assert item["awarding_body"] == "Demo University"
    assert item["status"] == "valid" and item["origin"] == "issued"
    assert api.get(f"{BASE}/credentials?lang=fr").json()[0]["title"] == "Licence d'informatique"


def test_the_api_detail_carries_the_live_verification(api: APIClient, held: Any, trusted: Any) -> None:
    body = api.get(f"{BASE}/credentials/{held.public_id}").json()
    assert body["verification"]["verdict"] == "verified"
    assert body["credential"]["id"] == str(held.public_id)


def test_the_api_downloads_xml_pdf_and_json_ld(api: APIClient, held: Any, sealed_xml: bytes) -> None:
    url = f"{BASE}/credentials/{held.public_id}/download"
    assert b"".join(api.get(f"{url}/xml")) == sealed_xml
    assert b"".join(api.get(f"{url}/pdf")).startswith(b"%PDF-")
    assert json.loads(b"".join(api.get(f"{url}/jsonld")))["id"] == held.credential_id
    assert api.get(f"{url}/docx").status_code == 400


def test_the_api_creates_lists_and_revokes_share_links(api: APIClient, held: Any) -> None:
    url = f"{BASE}/credentials/{held.public_id}/share-links"
    created = api.post(url, {"note": "bank"}, format="json")
    assert created.status_code == 201
    link = created.json()
    assert link["url"].startswith("http://127.0.0.1:8000/wallet/s/") and link["note"] == "bank"
    assert [item["id"] for item in api.get(url).json()] == [link["id"]]
    too_far = api.post(url, {"expires_at": "2099-01-01T00:00:00Z"}, format="json")
    assert too_far.status_code == 400 and too_far.json()["error"] == "share_expiry_too_far"
    assert api.post(f"{BASE}/share-links/{link['id']}/revoke").json()["revoked_at"] is not None
    assert api.get(url).json() == []
    assert APIClient().get(link["url"].removeprefix("http://127.0.0.1:8000")).status_code == 410


def test_the_api_upload_verifies_first_and_refuses_a_broken_seal(
    api: APIClient, held: Any, trusted: Any, make_sealed: Any
) -> None:
    other = make_sealed()
    response = api.post(
        f"{BASE}/credentials", {"file": SimpleUploadedFile("c.xml", other)}, format="multipart"
    )
    assert response.status_code == 201 and response.json()["origin"] == "uploaded"
    broken = make_sealed().replace(b"Camille", b"Camilla", 1)
    refused = api.post(
        f"{BASE}/credentials", {"file": SimpleUploadedFile("b.xml", broken)}, format="multipart"
    )
    assert refused.status_code == 400 and refused.json()["error"] == "upload_seal_intact"
    assert set(refused.json()["messages"]) == {"en", "fr"}
    assert WalletCredential.objects.filter(owner=held.owner).count() == 2


def test_the_api_deletes_a_credential(api: APIClient, held: Any) -> None:
    assert api.delete(f"{BASE}/credentials/{held.public_id}").status_code == 204
    assert api.get(f"{BASE}/credentials/{held.public_id}").status_code == 404


def test_the_api_is_documented_in_the_openapi_schema(client: Any) -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = set(schema["paths"])
    for path in (
        "/api/v1/wallet/credentials",
        "/api/v1/wallet/credentials/{public_id}",
        "/api/v1/wallet/credentials/{public_id}/download/{fmt}",
        "/api/v1/wallet/credentials/{public_id}/share-links",
        "/api/v1/wallet/share-links/{link_id}/revoke",
    ):
        assert path in paths, path


def test_the_api_list_stays_at_a_fixed_query_count(
    api: APIClient, held: Any, make_sealed: Any, django_assert_max_num_queries: Any
) -> None:
    from wallet.services import credential_receive

    for _ in range(30):
        credential_receive(owner=held.owner, xml=make_sealed())
    with django_assert_max_num_queries(6):
        assert len(api.get(f"{BASE}/credentials").json()) == 31
