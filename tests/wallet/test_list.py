"""The wallet list: cards from the summary columns, statuses from the portal's status lists, a fixed query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from europass.status.services import status_set
from wallet.models import WalletCredential
from wallet.selectors import PAGE_SIZE, credential_cards
from wallet.summary import parse_credential, summarize

pytestmark = pytest.mark.django_db


def _copies(owner: Any, xml: bytes, count: int) -> None:
    """Many credentials in one wallet, with the summary columns the service writes (distinct credential ids)."""
    summary = summarize(parse_credential(xml), xml)
    WalletCredential.objects.bulk_create(
        WalletCredential(
            owner=owner,
            credential_id=f"{summary.credential_id}-{i}",
            xml=xml,
            xml_sha256=summary.xml_sha256,
            source=WalletCredential.Source.ISSUED,
            title=summary.title,
            awarding_body=summary.awarding_body,
            awarded_on=summary.awarded_on,
            status_url=summary.status_url,
            status_index=i,
        )
        for i in range(count)
    )


def test_the_list_shows_title_awarding_body_date_status_and_source(client: Client, held: Any) -> None:
    client.force_login(held.owner)
    page = client.get("/wallet/").content.decode()
    assert "Bachelor of Computer Science" in page
    assert "Demo University" in page
    assert "30 June 2024" in page
    assert 'data-status="valid"' in page
    assert "Issued on this portal" in page


def test_the_list_speaks_french_with_the_french_title(client: Client, held: Any) -> None:
    client.force_login(held.owner)
    page = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Licence d&#x27;informatique" in page or "Licence d'informatique" in page
    assert "Université de démonstration" in page


def test_a_revoked_credential_shows_revoked_in_the_list(held: Any, status_list: Any) -> None:
    status_set(status_list=status_list, index=7)
    assert [card.status for card in credential_cards(held.owner)] == ["revoked"]


def test_an_expired_credential_shows_expired_in_the_list(held: Any) -> None:
    WalletCredential.objects.filter(pk=held.pk).update(valid_until=timezone.now() - dt.timedelta(days=1))
    assert [card.status for card in credential_cards(held.owner)] == ["expired"]


def test_listing_hundreds_of_credentials_costs_the_same_queries_as_listing_one(
    client: Client, citizen: Any, sealed_xml: bytes, status_list: Any, django_assert_max_num_queries: Any
) -> None:
    _copies(citizen, sealed_xml, 1)
    client.force_login(citizen)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get("/wallet/").status_code == 200
    _copies_more = 300
    WalletCredential.objects.all().delete()
    _copies(citizen, sealed_xml, _copies_more)
    status_set(status_list=status_list, index=3)
    with django_assert_max_num_queries(10):
        page = client.get("/wallet/").content.decode()
    with CaptureQueriesContext(connection) as many:
        client.get("/wallet/")
    assert len(many) == len(one)
    # 24 cards a page, newest first: the revoked one (index 3, among the first received) is on the last page.
    assert page.count('data-status="valid"') == PAGE_SIZE
    last = client.get(f"/wallet/?page={-(-_copies_more // PAGE_SIZE)}").content.decode()
    assert last.count('data-status="revoked"') == 1


def test_the_list_never_parses_xml_per_card(
    citizen: Any, sealed_xml: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copies(citizen, sealed_xml, 20)
    import wallet.summary

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the list parsed a credential")

    monkeypatch.setattr(wallet.summary, "parse_credential", forbidden)
    assert len(credential_cards(citizen)) == 20
