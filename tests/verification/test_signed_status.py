"""Our status lists are published signed (VC-JOSE-COSE, ``application/vc+jwt``) with the awarding body's e-seal, and
another portal verifying one of our credentials reads them over HTTP and believes them."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache
from django.test import Client

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation
from europass.sealing.report import CheckStatus
from europass.status.signing import read_signed_list
from issuing.demo import _demo_seal
from issuing.models import IssuedCredential, OrganisationSeal
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.revocation import credential_revoke
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import learner, rows_created, xlsx
from verification.services import verify_xml

pytestmark = pytest.mark.django_db(transaction=True)


def _issue(organisation: Organisation, monkeypatch: pytest.MonkeyPatch) -> tuple[IssuedCredential, User]:
    staff = User.objects.create_user("staff@signed.example", "a-long-Passphrase-42")
    Membership.objects.create(user=staff, organisation=organisation, role=Membership.Role.ADMIN)
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(
        batch=batch_upload(
            organisation=organisation, actor=staff, data=xlsx([learner(1)]), filename="a.xlsx"
        ),
        actor=staff,
    )
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    return batch.credentials.get(), staff


@pytest.fixture
def organisation() -> Organisation:
    from europass.registry.demo import setup_registry

    organisation = setup_registry()
    _demo_seal(organisation)
    return organisation


def test_our_status_list_is_served_signed_with_the_e_seal_to_who_asks_and_as_json_otherwise(
    organisation: Organisation, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued, _staff = _issue(organisation, monkeypatch)
    assert issued.status_list is not None
    url = issued.status_list.get_absolute_url()
    plain = client.get(url)
    assert plain["Content-Type"] == "application/vc+ld+json" and plain.json()["credentialSubject"]
    signed = client.get(url, HTTP_ACCEPT="application/vc+jwt, application/vc+ld+json;q=0.9")
    assert signed["Content-Type"] == "application/vc+jwt" and "Accept" in signed["Vary"]
    payload, chain = read_signed_list(signed.content.decode())
    assert payload == plain.json()
    seal = OrganisationSeal.objects.get(organisation=organisation, active=True)
    leaf = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    assert chain[0] == leaf.public_bytes(serialization.Encoding.DER)
    assert client.get(url + "?format=jwt").content == signed.content  # signed once per change (cached)


def test_another_portal_believes_our_signed_list_and_sees_a_revocation_once_its_cache_expires(
    organisation: Organisation, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SITE_URL = live_server.url  # the issuing portal publishes its lists here
    issued, staff = _issue(organisation, monkeypatch)
    xml = bytes(issued.xml or b"")
    assert live_server.url.encode() + b"/status/" in xml

    settings.SITE_URL = "https://another-portal.example"  # now verify as another portal would
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True  # the issuing portal is on 127.0.0.1 in this test
    check = verify_xml(xml).check("not_revoked")
    assert check is not None and check.status == CheckStatus.PASSED, check
    assert check.details["signed_by_the_sealer"] is True and check.details["source"] != "this portal"

    settings.SITE_URL = live_server.url
    credential_revoke(credential=issued, actor=staff, reason="Awarded in error")
    settings.SITE_URL = "https://another-portal.example"
    cache.clear()  # STATUS_CACHE_SECONDS later
    check = verify_xml(xml).check("not_revoked")
    assert check is not None and check.status == CheckStatus.FAILED
