"""The badge of a wallet credential is the verifier's verdict: an upload the verifier fails is kept, said to be
unconfirmed with the reason, and shown failed on its card and page; revoked and expired come first; a credential
that names someone else than the account holder says so."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from europass.status.services import status_set
from tests.wallet.conftest import _holder, anchor_pem
from wallet import presenting
from wallet.models import WalletCredential
from wallet.selectors import account_of, credential_cards, names_someone_else
from wallet.services import credential_upload, verify_file

pytestmark = pytest.mark.django_db

ANNA = "anna@andromeda.example"


def _upload(client: Client, data: bytes, **extra: Any) -> Any:
    return client.post(
        "/wallet/upload/", {"file": SimpleUploadedFile("credential.xml", data)}, follow=True, **extra
    )


def _cards_html(page: str) -> list[str]:
    return re.findall(r'<article class="card" data-testid="wallet-card">.*?</article>', page, flags=re.S)


def _badges(html: str) -> list[str]:
    return re.findall(r'class="badge [a-z]+" data-status="([a-z_]+)"', html)


@pytest.fixture
def qualified_only_as_advanced(db: None, pki: Any, status_list: Any) -> None:
    """The demo issuer is known, but its anchor is not one for qualified seals: the verifier warns."""
    from europass.registry.demo import setup_registry
    from europass.registry.services import trust_anchor_add

    setup_registry()
    trust_anchor_add(pem=anchor_pem(pki), name="Demo anchor", qualified_for_seals=False)


def test_an_upload_the_verifier_fails_is_kept_and_said_to_be_unconfirmed_with_the_reason(
    client: Client, citizen: Any, trusted: Any, foreign_sealed_xml: bytes
) -> None:
    client.force_login(citizen)
    response = _upload(client, foreign_sealed_xml)
    page = response.content.decode().replace("&#x27;", "'")
    held = WalletCredential.objects.get(owner=citizen)
    assert held.verdict == "failed" and held.verified_at is not None
    assert "certificate_trusted" in held.findings and "sealer_is_issuer" in held.findings
    assert "verified and added" not in page
    assert "Added, but the verifier could not confirm it: " in page
    assert "is not trusted here" in page  # the reason, in the message and on the page
    assert 'data-badge="failed"' in page and "The verifier could not confirm this credential." in page

    (card,) = _cards_html(client.get("/wallet/").content.decode())
    assert _badges(card) == ["failed"]
    assert "Verification failed" in card and "Issuer not trusted here" in card


def test_a_fully_verified_upload_is_said_verified_and_shown_valid(
    client: Client, citizen: Any, trusted: Any, sealed_xml: bytes
) -> None:
    client.force_login(citizen)
    page = _upload(client, sealed_xml).content.decode()
    assert "The credential was verified and added to your wallet." in page
    assert 'data-badge="valid"' in page
    assert "Verified: the verifier confirmed this credential." in page
    (card,) = _cards_html(client.get("/wallet/").content.decode())
    assert _badges(card) == ["valid"]
    assert WalletCredential.objects.get(owner=citizen).verdict == "verified"


def test_a_partially_verified_upload_is_said_so_with_what_was_not_confirmed(
    client: Client, citizen: Any, qualified_only_as_advanced: None, make_sealed: Any
) -> None:
    client.force_login(citizen)
    page = _upload(client, make_sealed()).content.decode().replace("&#x27;", "'")
    assert "Added, but the verifier could confirm only part of it: " in page
    assert 'data-badge="partially_verified"' in page
    assert WalletCredential.objects.get(owner=citizen).findings == ["seal_qualified"]
    (card,) = _cards_html(client.get("/wallet/").content.decode())
    assert _badges(card) == ["partially_verified"]


def test_revoked_and_expired_come_before_the_verdict(
    client: Client, citizen: Any, trusted: Any, status_list: Any, make_sealed: Any
) -> None:
    revoked = credential_upload(owner=citizen, data=make_sealed(status_index=3)).credential
    expired = credential_upload(owner=citizen, data=make_sealed()).credential
    WalletCredential.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - dt.timedelta(days=1))
    status_set(status_list=status_list, index=3)
    badges = {card.public_id: card.badge for card in credential_cards(citizen)}
    assert badges == {revoked.public_id: "revoked", expired.public_id: "expired"}
    client.force_login(citizen)
    detail = client.get(f"/wallet/c/{revoked.public_id}/").content.decode()
    assert 'data-badge="revoked"' in detail and "the awarding body has withdrawn this credential" in detail


def test_the_status_from_a_failed_report_is_never_valid(
    citizen: Any, trusted: Any, foreign_sealed_xml: bytes, sealed_xml: bytes
) -> None:
    failed = verify_file(data=foreign_sealed_xml)
    assert failed.verdict == "failed"
    assert presenting.status_from(failed, None) == "unknown"
    assert presenting.status_from(verify_file(data=sealed_xml), None) == "valid"
    held = credential_upload(owner=citizen, data=foreign_sealed_xml).credential
    # The credential itself is neither revoked nor expired on this portal: the report still decides.
    assert presenting.status_from(failed, held) == "unknown"
    assert presenting.visual_for(held, lang="en", report=failed)["status"]["code"] == "unknown"


def test_a_credential_naming_someone_else_is_flagged_on_its_card_and_its_page(
    client: Client, citizen: Any, trusted: Any, make_sealed: Any
) -> None:
    anna = make_sealed(holder=_holder(ANNA, "Anna Andromeda"))
    client.force_login(citizen)
    detail = _upload(client, anna).content.decode()
    assert "This credential names Anna Andromeda, not you." in detail
    (card,) = _cards_html(client.get("/wallet/").content.decode())
    assert "This credential names Anna Andromeda, not you." in card
    french = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Cette attestation nomme Anna Andromeda, pas vous." in french


def test_a_credential_in_the_holders_own_name_or_address_is_not_flagged(
    client: Client, citizen: Any, trusted: Any, make_sealed: Any
) -> None:
    from allauth.account.models import EmailAddress

    citizen.full_name = "Camille Martin"
    citizen.save()
    EmailAddress.objects.create(user=citizen, email="camille@work.example", verified=True)
    mine = [
        make_sealed(holder=_holder("camille.martin@elsewhere.example", "Camille Martin")),  # same name
        make_sealed(holder=_holder("Camille@Work.example", "C. Martin")),  # a confirmed address, any case
    ]
    client.force_login(citizen)
    for data in mine:
        assert "not you" not in _upload(client, data).content.decode()
    assert "not you" not in client.get("/wallet/").content.decode()


def test_the_holder_comparison_says_nothing_when_nothing_can_be_compared(citizen: Any) -> None:
    account = account_of(citizen)  # no name on the account
    assert not names_someone_else(account, name="Anna Andromeda", email="")
    assert names_someone_else(account, name="Anna Andromeda", email=ANNA)
    assert not names_someone_else(account, name="", email=citizen.email.upper())


def test_the_verdict_and_the_holder_speak_french(
    client: Client, citizen: Any, trusted: Any, foreign_pki: Any
) -> None:
    from europass.credentials.example import example_credential
    from europass.sealing.seal import Sealer

    from .conftest import SITE

    anna = Sealer(foreign_pki.seal).seal(
        example_credential(site=SITE, holder=_holder(ANNA, "Anna Andromeda")).to_xml()
    )
    client.force_login(citizen)
    page = _upload(client, anna, HTTP_ACCEPT_LANGUAGE="fr").content.decode().replace("&#x27;", "'")
    assert "Ajoutée, mais le vérificateur n'a pas pu la confirmer : " in page
    assert "Le vérificateur n'a pas pu confirmer cette attestation." in page
    assert "Cette attestation nomme Anna Andromeda, pas vous." in page
    listing = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Échec de la vérification" in listing


def test_the_api_gives_the_recorded_verdict(citizen: Any, trusted: Any, foreign_sealed_xml: bytes) -> None:
    api = APIClient()
    api.force_authenticate(citizen)
    answer = api.post("/api/v1/wallet/credentials", {"file": SimpleUploadedFile("c.xml", foreign_sealed_xml)})
    assert answer.status_code == 201 and answer.json()["verdict"] == "failed"
    (item,) = api.get("/api/v1/wallet/credentials").json()
    assert item["verdict"] == "failed" and item["status"] == "valid"


def test_the_command_records_the_verdict_of_credentials_kept_before_verdicts(
    citizen: Any, trusted: Any, foreign_sealed_xml: bytes, sealed_xml: bytes
) -> None:
    import io

    old = credential_upload(owner=citizen, data=foreign_sealed_xml).credential
    fine = credential_upload(owner=citizen, data=sealed_xml).credential
    WalletCredential.objects.filter(pk__in=[old.pk, fine.pk]).update(
        verdict="", findings=[], verified_at=None
    )
    out = io.StringIO()
    call_command("wallet_verdicts", stdout=out)
    assert "failed: 1" in out.getvalue() and "verified: 1" in out.getvalue()
    old.refresh_from_db()
    fine.refresh_from_db()
    assert (old.verdict, fine.verdict) == ("failed", "verified")
    assert "certificate_trusted" in old.findings and old.warning["fr"]
