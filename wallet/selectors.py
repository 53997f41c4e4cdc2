"""Reads of the wallet: cards, one credential of its owner, share links, the status of credentials."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.accounts.models import User
from europass.core.errors import NotFound
from europass.registry.text import pick
from europass.status.models import StatusList
from europass.status.selectors import is_set, local_list_id

from .models import ShareLink, WalletCredential

CARD_FIELDS = (
    "id",
    "public_id",
    "credential_id",
    "title",
    "awarding_body",
    "awarded_on",
    "issued_at",
    "valid_until",
    "status_url",
    "status_index",
    "source",
    "warning",
    "received_at",
)


@dataclass(frozen=True)
class Card:
    credential: WalletCredential
    title: str
    awarding_body: str
    status: str  # valid | revoked | expired

    @property
    def public_id(self) -> uuid.UUID:
        return self.credential.public_id


def revoked_flags(credentials: Iterable[WalletCredential]) -> dict[int, bool]:
    """Whether each credential is revoked on this portal's status lists: ONE query whatever the count.

    Credentials whose status list lives elsewhere are checked live on their detail page (verification).
    """
    wanted: dict[int, tuple[uuid.UUID, int]] = {}
    for credential in credentials:
        list_id = local_list_id(credential.status_url)
        if list_id is not None and credential.status_index is not None:
            wanted[credential.pk] = (list_id, credential.status_index)
    if not wanted:
        return {}
    bits = dict(
        StatusList.objects.filter(public_id__in={list_id for list_id, _ in wanted.values()}).values_list(
            "public_id", "bits"
        )
    )
    return {
        pk: list_id in bits and is_set(bytes(bits[list_id] or b""), index)
        for pk, (list_id, index) in wanted.items()
    }


def status_of(credential: WalletCredential, *, revoked: bool, now: dt.datetime | None = None) -> str:
    if revoked:
        return "revoked"
    if credential.valid_until is not None and credential.valid_until <= (now or timezone.now()):
        return "expired"
    return "valid"


def credential_status(credential: WalletCredential) -> str:
    return status_of(credential, revoked=revoked_flags([credential]).get(credential.pk, False))


def credential_cards(owner: User, *, lang: str | None = None) -> list[Card]:
    """The owner's wallet as cards: one query for the credentials, one for the status lists."""
    credentials = list(
        WalletCredential.objects.filter(owner=owner).only(*CARD_FIELDS).order_by("-received_at", "-id")
    )
    revoked = revoked_flags(credentials)
    now = timezone.now()
    return [
        Card(
            credential=credential,
            title=pick(credential.title, lang),
            awarding_body=pick(credential.awarding_body, lang),
            status=status_of(credential, revoked=revoked.get(credential.pk, False), now=now),
        )
        for credential in credentials
    ]


def credential_of(owner: User, public_id: uuid.UUID | str) -> WalletCredential:
    """One credential of this owner; NotFound for anyone else's (never revealing that it exists)."""
    if not getattr(owner, "is_authenticated", False):
        raise NotFound(_("No such credential in your wallet."))
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(_("No such credential in your wallet.")) from None
    credential = WalletCredential.objects.filter(owner=owner, public_id=key).first()
    if credential is None:
        raise NotFound(_("No such credential in your wallet."))
    return credential


def share_links_of(credential: WalletCredential, *, active_only: bool = True) -> QuerySet[ShareLink]:
    links = ShareLink.objects.filter(credential=credential)
    if active_only:
        links = links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return links.order_by("-created_at")


def share_link_of(owner: User, public_id: uuid.UUID | str) -> ShareLink:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(_("No such share link.")) from None
    link = ShareLink.objects.filter(owner=owner, public_id=key).select_related("credential").first()
    if link is None:
        raise NotFound(_("No such share link."))
    return link
