"""Delivery of sealed credentials to their holders, many at a time: the wallet's one entry point for issuing.

A chunk of deliveries costs a handful of statements whatever its size: one query finds which holders have a
verified account, one reads which of those credentials their wallets already keep, one inserts the rest; for the
others one query reads which claim links were already made, one inserts the new ones, and their emails go out over
one mail connection. Delivering the same credential twice keeps it once and emails at
most one link (the database's unique constraints decide, even between two workers: a chunk that loses a race is
delivered again one by one).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.header import Header
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from europass.accounts.models import User
from europass.core.bulk import bulk_insert

from .models import ClaimToken, WalletCredential
from .tokens import new_token, token_hash

log = logging.getLogger(__name__)

CLAIM_VALIDITY = dt.timedelta(days=90)
WALLET = "wallet"
EMAILED = "emailed"
FAILED = "failed"
_LINK = (
    "\x00claim-link\x00"  # where each email's own link goes in the text rendered once per issuer and title
)


@dataclass(frozen=True)
class Delivery:
    """One sealed credential for one holder: ``xml`` the sealed document shown first (XML or JSON-LD),
    ``companion`` the same credential sealed in the other format, when both were issued."""

    xml: bytes
    holder_email: str
    credential_id: str
    issuer_name: str
    title: str
    companion: bytes = b""

    @property
    def email(self) -> str:
        return self.holder_email.strip().lower()


def verified_users(emails: set[str]) -> dict[str, User]:
    """The account of each address that a user has verified, in one query (addresses compared without case)."""
    if not emails:
        return {}
    addresses = (
        EmailAddress.objects.annotate(address=Lower("email"))
        .filter(address__in=emails, verified=True)
        .select_related("user")
    )
    return {address.address: address.user for address in addresses}  # type: ignore[attr-defined,misc]


def credentials_deliver(deliveries: list[Delivery]) -> list[str]:
    """Deliver each credential; returns, in order, "wallet" (now in the wallet of the user who verified that email),
    "emailed" (a one-time claim link was emailed, or had been already) or "failed" (the mail server refused its
    email: its link is withdrawn, so delivering it again emails a new one)."""
    users = verified_users({d.email for d in deliveries})
    to_wallets = [(d, users[d.email]) for d in deliveries if d.email in users]
    to_emails = [d for d in deliveries if d.email not in users]
    refused: set[int] = set()
    if to_wallets:
        try:
            _into_wallets(to_wallets)
        except IntegrityError:  # another worker delivered some of them meanwhile: one by one, each once
            for delivery, owner in to_wallets:
                _into_wallets([(delivery, owner)], alone=True)
    if to_emails:
        try:
            links = _claim_links(to_emails)
        except IntegrityError:
            links = [link for delivery in to_emails for link in _claim_links([delivery], alone=True)]
        refused = {id(delivery) for delivery in _send_claim_emails(links)}
    return [WALLET if d.email in users else FAILED if id(d) in refused else EMAILED for d in deliveries]


def _into_wallets(items: list[tuple[Delivery, User]], *, alone: bool = False) -> None:
    from .services import pdfs_prepare_later, wallet_row

    kept = set(
        WalletCredential.objects.filter(
            owner__in={owner.pk for _d, owner in items},
            credential_id__in={d.credential_id for d, _o in items},
        ).values_list("owner_id", "credential_id")
    )
    rows: list[WalletCredential] = []
    for delivery, owner in items:
        if (owner.pk, delivery.credential_id) in kept:
            continue
        kept.add((owner.pk, delivery.credential_id))
        rows.append(
            wallet_row(
                owner=owner,
                xml=delivery.xml,
                source=WalletCredential.Source.ISSUED,
                companion=delivery.companion,
            )
        )
    if not rows:
        return
    try:
        with transaction.atomic():
            created = bulk_insert(rows)
    except IntegrityError:
        if alone:  # a concurrent delivery of this very credential won: it is kept once
            return
        raise
    pdfs_prepare_later([row.pk for row in created if row.pk is not None])


def _claim_links(deliveries: list[Delivery], *, alone: bool = False) -> list[tuple[Delivery, str]]:
    """Make the claim links not made yet (one per credential and address); returns them with their token."""
    made = set(
        ClaimToken.objects.filter(
            credential_id__in={d.credential_id for d in deliveries}, email__in={d.email for d in deliveries}
        ).values_list("credential_id", "email")
    )
    expires_at = timezone.now() + CLAIM_VALIDITY
    links: list[tuple[Delivery, str]] = []
    rows: list[ClaimToken] = []
    for delivery in deliveries:
        if (delivery.credential_id, delivery.email) in made:
            continue
        made.add((delivery.credential_id, delivery.email))
        token = new_token()
        links.append((delivery, token))
        rows.append(
            ClaimToken(
                token_hash=token_hash(token),
                email=delivery.email,
                credential_id=delivery.credential_id,
                xml=delivery.xml,
                companion=delivery.companion,
                issuer_name=delivery.issuer_name[:300],
                title=delivery.title[:500],
                expires_at=expires_at,
            )
        )
    if not rows:
        return []
    try:
        with transaction.atomic():
            bulk_insert(rows)
    except IntegrityError:
        if alone:  # already delivered by email: no second link
            return []
        raise
    return links


class _ClaimEmail(EmailMessage):
    """A claim email whose subject was encoded for the header once for the whole batch (RFC 2047, what Django
    would write): encoding a subject in French, character by character in Python's email package, cost more than
    the rest of the email. ``subject`` stays the readable text."""

    def __init__(self, subject: str, encoded_subject: str, body: str, to: list[str]) -> None:
        super().__init__(subject, body, None, to)
        self.encoded_subject = encoded_subject

    def message(self, *args: Any, **kwargs: Any) -> Any:
        readable, self.subject = self.subject, self.encoded_subject
        try:
            return super().message(*args, **kwargs)
        finally:
            self.subject = readable


def _encoded_subject(subject: str) -> str:
    """The subject as the email header carries it: as is when ASCII, else RFC 2047 encoded words on one line
    (folded, if need be, when the message is written)."""
    if subject.isascii():
        return subject
    return Header(subject, settings.DEFAULT_CHARSET).encode(maxlinelen=0)


def _send_claim_emails(links: list[tuple[Delivery, str]]) -> list[Delivery]:
    """The claim emails, over one connection to the mail server, each on its own. Returns the deliveries whose email
    the server refused (or when it cannot be reached): their links are withdrawn, so nothing is half-delivered."""
    from .services import claim_email

    if not links:
        return []
    refused: list[tuple[Delivery, str]] = []
    rendered: dict[tuple[str, str], tuple[str, str, str]] = {}  # a batch's emails differ only by their link
    try:
        connection = get_connection()
        connection.open()
    except Exception:
        log.exception("the mail server cannot be reached: %s claim emails not sent", len(links))
        refused = list(links)
    else:
        try:
            for delivery, token in links:
                url = settings.SITE_URL + reverse("wallet:claim", kwargs={"token": token})
                said = (delivery.issuer_name, delivery.title)
                if said not in rendered:
                    subject, body = claim_email(
                        url=_LINK, issuer_name=delivery.issuer_name, title=delivery.title
                    )
                    rendered[said] = (subject, _encoded_subject(subject), body)
                subject, encoded, body = rendered[said]
                body = body.replace(_LINK, url)
                try:
                    connection.send_messages([_ClaimEmail(subject, encoded, body, [delivery.email])])
                except Exception:
                    log.exception("the claim email of credential %s was refused", delivery.credential_id)
                    refused.append((delivery, token))
        finally:
            connection.close()
    if refused:
        ClaimToken.objects.filter(token_hash__in=[token_hash(token) for _d, token in refused]).delete()
    return [delivery for delivery, _token in refused]
