"""Access matrix over EVERY wallet URL and API endpoint (iterated from the URL patterns): another citizen, an
anonymous visitor and issuer staff can never list, view, download, share or delete a citizen's credential, except
through a live share link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from wallet import api_urls
from wallet import urls as page_urls
from wallet.models import ShareLink, WalletCredential
from wallet.services import share_link_create

pytestmark = pytest.mark.django_db

PUBLIC = {"share", "share-xml", "share-pdf", "share-jsonld", "share-attachment"}
ATTACHMENTS = {"attachment", "share-attachment"}  # the held credential carries none: 404 for its holder too
OWN_WALLET = {"index", "upload", "export", "wallet-api-credentials"}  # the visitor's own (empty) wallet
SECRETS = ("Camille Martin", "europassCredential", "Bachelor of Computer Science")


def _urls(held: WalletCredential, link: ShareLink) -> list[tuple[str, str]]:
    values = {
        "public_id": str(held.public_id),
        "link_id": str(link.public_id),
        "token": link.token,
        "fmt": "xml",
        "number": 1,
    }
    found: list[tuple[str, str]] = []
    for module, prefix in ((page_urls, "wallet:"), (api_urls, "")):
        for pattern in module.urlpatterns:
            assert isinstance(pattern, URLPattern)
            kwargs = {name: values[name] for name in pattern.pattern.converters}
            found.append((str(pattern.name), reverse(prefix + str(pattern.name), kwargs=kwargs)))
            if "fmt" in kwargs:
                for fmt in ("pdf", "jsonld"):
                    found.append(
                        (
                            str(pattern.name),
                            reverse(prefix + str(pattern.name), kwargs={**kwargs, "fmt": fmt}),
                        )
                    )
    return found


@pytest.fixture
def world(held: WalletCredential, other_citizen: Any, issuer_staff: Any) -> dict[str, Any]:
    link = share_link_create(credential=held, note="for the matrix")
    return {"held": held, "link": link, "other": other_citizen, "staff": issuer_staff}


def test_the_matrix_covers_every_wallet_url_and_api_endpoint(world: dict[str, Any]) -> None:
    names = {name for name, _ in _urls(world["held"], world["link"])}
    every = {str(p.name) for p in page_urls.urlpatterns} | {str(p.name) for p in api_urls.urlpatterns}
    assert names == every
    assert len(every) >= 19


@pytest.mark.parametrize("actor", ["anonymous", "other", "staff"])
def test_nobody_but_the_holder_reaches_a_credential_except_through_a_live_share_link(
    world: dict[str, Any], actor: str
) -> None:
    client = Client()
    if actor != "anonymous":
        client.force_login(world[actor])
    held, link = world["held"], world["link"]
    for name, url in _urls(held, link):
        for method in ("get", "post", "delete"):
            response = getattr(client, method)(url)
            status = response.status_code
            body = b"".join(response) if getattr(response, "streaming", False) else response.content
            where = f"{actor} {method.upper()} {url} -> {status}"
            if name in PUBLIC:
                assert status in ((404, 405) if name in ATTACHMENTS else (200, 405)), where
                continue
            if name == "claim":  # the link itself is the key: an invalid one gives nothing
                assert status in (302, 404, 405, 410), where
            elif actor == "anonymous":
                assert status in (302, 401, 403, 405), where
                if status == 302:
                    assert "/accounts/login/" in response["Location"], where
            elif name in OWN_WALLET:
                assert status in (200, 400, 405), where
            else:
                assert status in (404, 405), where
            for secret in SECRETS:
                assert secret.encode() not in body, f"{where} leaked {secret}"
    assert WalletCredential.objects.filter(pk=held.pk).exists()
    link.refresh_from_db()
    assert link.revoked_at is None
    assert ShareLink.objects.filter(credential=held, purpose=ShareLink.Purpose.SHARE).count() == 1


def test_the_holder_reaches_every_one_of_their_urls(
    client: Client, world: dict[str, Any], trusted: Any
) -> None:
    client.force_login(world["held"].owner)
    for name, url in _urls(world["held"], world["link"]):
        if name in {"claim", "delete", "share-create", "share-revoke", "wallet-api-share-link-revoke"}:
            continue
        assert client.get(url).status_code == (404 if name in ATTACHMENTS else 200), url


def test_a_share_link_that_ended_opens_nothing_for_anyone(world: dict[str, Any]) -> None:
    held, link = world["held"], world["link"]
    ShareLink.objects.filter(pk=link.pk).update(revoked_at=held.received_at)
    for name, url in _urls(held, link):
        if name in PUBLIC:
            response = Client().get(url)
            assert response.status_code == 410
            assert b"Camille Martin" not in response.content
