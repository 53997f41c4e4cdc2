"""Reads of the wallet: cards, one credential of its owner, share links, the status of credentials."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.accounts.models import User
from europass.core.errors import NotFound
from europass.registry.text import pick
from europass.status.models import StatusList
from europass.status.selectors import is_set, local_list_id

from .models import ShareLink, WalletCredential
from .summary import fold

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
    "verdict",
    "verified_at",
    "findings",
    "holder_name",
    "holder_email",
    "received_at",
)
PAGE_SIZE = 24  # cards on one page of the wallet
BADGES = ("valid", "partially_verified", "failed", "revoked", "expired")


def badge_of(status: str, verdict: str) -> str:
    """The one badge of a credential (``BADGES``): revoked or expired first (``status``: this portal's status lists
    and the credential's expiry, or a live report), else the verifier's ``verdict``, else valid."""
    if status in ("revoked", "expired"):
        return status
    if status == "unknown" or verdict == WalletCredential.Verdict.FAILED:
        return "failed"
    if verdict == WalletCredential.Verdict.PARTIALLY_VERIFIED:
        return "partially_verified"
    return "valid"


@dataclass(frozen=True)
class Account:
    """Who holds the wallet, as a credential's holder is compared with them: their name and every address they
    confirmed (and the one they sign in with)."""

    name: str
    emails: frozenset[str]


def account_of(owner: User) -> Account:
    """One query: the addresses of the account."""
    verified = EmailAddress.objects.filter(user=owner, verified=True).values_list("email", flat=True)
    emails = {email.strip().lower() for email in verified} | {(owner.email or "").strip().lower()}
    return Account(name=owner.full_name or "", emails=frozenset(email for email in emails if email))


def _same_name(one: str, other: str) -> bool:
    """The same words in any order, whatever the case and accents ("MARTIN Camille" is Camille Martin)."""
    return sorted(fold(one).replace(",", " ").split()) == sorted(fold(other).replace(",", " ").split())


def names_someone_else(account: Account, *, name: str, email: str) -> bool:
    """Whether a credential's holder (its name and email) is not the account holder: neither one of the account's
    addresses nor the account's name. When nothing can be compared (no email in the credential and no name on the
    account), nothing is said."""
    email = (email or "").strip().lower()
    if email and email in account.emails:
        return False
    if name and account.name and _same_name(name, account.name):
        return False
    return bool(email) or bool(name and account.name)


@dataclass(frozen=True)
class Card:
    credential: WalletCredential
    title: str
    awarding_body: str
    status: str  # valid | revoked | expired (this portal's status lists, the credential's expiry)
    badge: str = ""  # see ``badge_of``: valid | partially_verified | failed | revoked | expired
    someone_else: str = ""  # the holder the credential names, when it is not the account holder

    @property
    def public_id(self) -> uuid.UUID:
        return self.credential.public_id

    @property
    def untrusted_issuer(self) -> bool:
        """The verifier did not trust the issuer's certificate when the credential was uploaded."""
        credential = self.credential
        if credential.verdict:
            return "certificate_trusted" in (credential.findings or [])
        return bool(credential.warning)  # kept before verdicts were recorded: its warning said so

    @property
    def verdict(self) -> str | None:
        """The verifier's verdict when the credential was uploaded; None when none was recorded."""
        return self.credential.verdict or None


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


def recorded_verdict(credential: WalletCredential) -> str:
    """The verdict recorded when the credential was uploaded; for one kept before verdicts were recorded, "partially
    verified" when the verifier left a warning then (``manage.py wallet_verdicts`` records the real one)."""
    if credential.verdict:
        return credential.verdict
    return WalletCredential.Verdict.PARTIALLY_VERIFIED if credential.warning else ""


def cards_of(
    credentials: list[WalletCredential], *, lang: str | None = None, account: Account | None = None
) -> list[Card]:
    """Cards of these credentials: one query for all the status lists they point to."""
    revoked = revoked_flags(credentials)
    now = timezone.now()
    cards = []
    for credential in credentials:
        status = status_of(credential, revoked=revoked.get(credential.pk, False), now=now)
        other = account is not None and names_someone_else(
            account, name=credential.holder_name, email=credential.holder_email
        )
        cards.append(
            Card(
                credential=credential,
                title=pick(credential.title, lang),
                awarding_body=pick(credential.awarding_body, lang),
                status=status,
                badge=badge_of(status, recorded_verdict(credential)),
                someone_else=(credential.holder_name or credential.holder_email) if other else "",
            )
        )
    return cards


def credential_cards(owner: User, *, lang: str | None = None) -> list[Card]:
    """The owner's whole wallet as cards: one query for the credentials, one for the status lists."""
    credentials = list(
        WalletCredential.objects.filter(owner=owner).only(*CARD_FIELDS).order_by("-received_at", "-id")
    )
    return cards_of(credentials, lang=lang)


def search_filter(search: str) -> Q:
    """Every word of ``search`` in the title or the awarding body, in any of their languages, whatever the case and
    accents."""
    query = Q()
    for word in fold(search).split()[:10]:
        query &= Q(search_text__contains=word)
    return query


@dataclass(frozen=True)
class WalletPage:
    page: Page[WalletCredential]
    cards: list[Card]
    search: str
    total: int  # credentials in the whole wallet, whatever the search


def wallet_page(
    owner: User, *, lang: str | None = None, search: str = "", number: int | str | None = 1
) -> WalletPage:
    """One page of the owner's wallet (``PAGE_SIZE`` cards), searched by title and awarding body: a fixed number of
    queries whatever the wallet holds (the count, the page, the status lists, the account's addresses)."""
    search = " ".join(search.split())[:200]
    credentials = (
        WalletCredential.objects.filter(owner=owner).only(*CARD_FIELDS).order_by("-received_at", "-id")
    )
    found = credentials.filter(search_filter(search)) if search else credentials
    page = Paginator(found, PAGE_SIZE).get_page(number)
    listed = list(page.object_list)
    total = page.paginator.count if not search else credentials.count()
    cards = cards_of(listed, lang=lang, account=account_of(owner)) if listed else []
    return WalletPage(page=page, cards=cards, search=search, total=total)


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


HISTORY_SIZE = 50  # stopped links shown under the active ones


def share_links_stopped(credential: WalletCredential) -> list[ShareLink]:
    """The links of this credential that stopped working (stopped by the holder or expired), the latest first (at
    most ``HISTORY_SIZE``): when each was made, when it stopped, how often it was opened."""
    ended = Q(revoked_at__isnull=False) | Q(expires_at__lte=timezone.now())
    links = ShareLink.objects.filter(credential=credential).filter(ended).order_by("-created_at", "-id")
    return list(links[:HISTORY_SIZE])


def share_link_of(owner: User, public_id: uuid.UUID | str) -> ShareLink:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(_("No such share link.")) from None
    link = ShareLink.objects.filter(owner=owner, public_id=key).select_related("credential").first()
    if link is None:
        raise NotFound(_("No such share link."))
    return link
