"""Share links on the holder's page: the new link first, where the page lands, with its address selectable and a
copy button (shown once); the live links, then the links that stopped (stopped by the holder or expired) with when
each was made, when it stopped and how often it was opened."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from wallet.models import ShareLink
from wallet.services import share_link_create, share_link_open, share_link_revoke

pytestmark = pytest.mark.django_db


def _in_days(days: int) -> str:
    return (timezone.now() + dt.timedelta(days=days)).date().isoformat()


def _day(moment: dt.datetime) -> str:
    """A date as the page writes it (the site's date format, in the local time)."""
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _history(page: str) -> list[list[str]]:
    """The rows of the stopped links' table, as the cells' text."""
    match = re.search(r'<table class="share-history".*?<tbody>(.*?)</tbody>', page, flags=re.S)
    if match is None:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), flags=re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_the_new_link_comes_first_where_the_page_lands_with_its_address_and_a_copy_button(
    client: Client, held: Any
) -> None:
    share_link_create(credential=held, note="older")
    client.force_login(held.owner)
    response = client.post(f"/wallet/c/{held.public_id}/share", {"expires_on": _in_days(7), "note": "ACME"})
    assert response.status_code == 201
    page = response.content.decode()
    items = re.findall(r'<li class="card[^"]*"[^>]*>.*?</li>', page, flags=re.S)
    assert 'id="new-link"' in items[0] and "ACME" in items[0] and "older" in items[1]
    (url,) = re.findall(r'value="([^"]+)"[^>]*data-testid="share-url"', page)
    assert url.startswith("http://127.0.0.1:8000/wallet/s/")
    assert re.search(r'<label for="share-url-[^"]+">Address of the link</label>', items[0])
    assert re.search(r"<button [^>]*hidden data-copy=", items[0])  # shown by static/js/wallet-share.js
    assert "Copy the link" in items[0] and "shown only this once" in items[0]
    assert "/static/js/wallet-share.js" in page
    # Without the script, the top of the page says so and links to the address, below.
    assert re.search(r'data-testid="link-created">Share link created\. <a href="#new-link">', page)
    later = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert 'id="new-link"' not in later and "/wallet/s/" not in later and "Copy the link" not in later


def test_stopped_and_expired_links_are_kept_under_the_active_ones_with_their_dates_and_views(
    client: Client, held: Any
) -> None:
    live = share_link_create(credential=held, note="live one")
    stopped = share_link_create(credential=held, note="bank")
    expired = share_link_create(credential=held, note="ACME")
    share_link_open(token=stopped.token)
    share_link_open(token=stopped.token)
    share_link_open(token=expired.token)
    share_link_revoke(link=stopped)
    yesterday = timezone.now() - dt.timedelta(days=1)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=yesterday)
    ShareLink.objects.filter(pk=stopped.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert page.index("live one") < page.index("Links that stopped working") < page.index("share-history")
    created_stopped = _day(timezone.now() - dt.timedelta(days=3))
    today, day_before = _day(timezone.now()), _day(yesterday)
    assert _history(page) == [
        ["ACME", today, f"{day_before} (expired)", "1"],
        ["bank", created_stopped, f"{today} (stopped by you)", "2"],
    ]
    assert page.count("Stop this link now") == 1  # only the live one can be stopped
    assert live.note in page


def test_a_credential_without_stopped_links_shows_no_history(client: Client, held: Any) -> None:
    share_link_create(credential=held)
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert "Links that stopped working" not in page and _history(page) == []


def test_stopping_a_link_moves_it_to_the_history(client: Client, held: Any) -> None:
    link = share_link_create(credential=held, note="job fair")
    client.force_login(held.owner)
    page = client.post(f"/wallet/links/{link.public_id}/revoke", follow=True).content.decode()
    assert "The share link stopped working." in page
    assert "No active share link." in page
    assert [row[0] for row in _history(page)] == ["job fair"]


def test_the_history_speaks_french(client: Client, held: Any) -> None:
    link = share_link_create(credential=held, note="banque")
    share_link_revoke(link=link)
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Liens qui ne fonctionnent plus" in page
    assert "désactivé par vous" in page and "Consultations" in page
    created = client.post(
        f"/wallet/c/{held.public_id}/share", {"expires_on": _in_days(3)}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Votre nouveau lien de partage" in created and "Copier le lien" in created
    assert 'data-copied="Copié"' in created
