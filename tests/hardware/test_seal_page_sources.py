"""The e-seal page: an organisation's administrator connects a PKCS#11 token key or a remote sealing service, sees
where the key lives and when it was last tested, and seals a test document; what a page may choose is limited (the
operator's PKCS#11 modules, secrets only in variables with the seal prefix, a remote service at a public HTTPS
address); an issuer who is not an administrator can do none of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation
from issuing.models import OrganisationSeal
from issuing.services.seals import active_seal

from .csc_service import Service
from .test_csc_sealing import SECRET_ENV, service  # noqa: F401 - fixture
from .test_pkcs11_sealing import _token

pytestmark = pytest.mark.django_db

PAGE_PIN_ENV = "EUROPASS_SEAL_TEST_PIN"


def _page(organisation: Organisation) -> str:
    return reverse("issuing:seal", kwargs={"slug": organisation.slug})


def test_an_administrator_connects_a_token_key_on_the_page_and_sees_where_it_lives(
    softhsm_directory: Path,
    organisation: Organisation,
    staff_client: Client,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _token(softhsm_directory, organisation)
    settings.PKCS11_MODULES = [token.module]
    monkeypatch.setenv(PAGE_PIN_ENV, "4321-token-pin")
    response = staff_client.post(
        _page(organisation),
        {"form": "pkcs11", "module": token.module, "token_label": token.label, "key_label": "seal",
         "pin_env": PAGE_PIN_ENV},
        follow=True,
    )  # fmt: skip
    shown = response.content.decode()
    assert f"The e-seal is now the key on the token {token.label}" in shown
    assert "PKCS#11 token or HSM: key seal on the token" in shown and "4321-token-pin" not in shown
    assert active_seal(organisation).source == OrganisationSeal.Source.PKCS11
    tested = staff_client.post(_page(organisation), {"form": "test"}).content.decode()
    assert "The e-seal works: a test credential was sealed and its seal verified." in tested
    assert "Works" in staff_client.get(_page(organisation)).content.decode()


def test_a_module_the_operator_does_not_allow_or_a_secret_outside_the_prefix_is_refused(
    softhsm_directory: Path, organisation: Organisation, staff_client: Client, settings: Any
) -> None:
    token = _token(softhsm_directory, organisation)
    settings.PKCS11_MODULES = ["/usr/lib/other/pkcs11.so"]
    refused = staff_client.post(
        _page(organisation),
        {"form": "pkcs11", "module": token.module, "token_label": token.label, "key_label": "seal",
         "pin_env": PAGE_PIN_ENV},
    ).content.decode()  # fmt: skip
    assert "Select a valid choice" in refused  # not offered
    settings.PKCS11_MODULES = [token.module]
    refused = staff_client.post(
        _page(organisation),
        {"form": "pkcs11", "module": token.module, "token_label": token.label, "key_label": "seal",
         "pin_env": "SECRET_KEY"},
    ).content.decode()  # fmt: skip
    assert "may not hold a seal secret: its name must start with EUROPASS_SEAL_" in refused
    assert active_seal(organisation).source == OrganisationSeal.Source.SOFTWARE


def test_a_remote_service_must_be_at_a_public_https_address_unless_the_operator_allows_local_ones(
    service: Service,  # noqa: F811
    organisation: Organisation,
    staff_client: Client,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EUROPASS_SEAL_CSC_SECRET", service.client_secret)
    form = {"form": "csc", "url": service.url, "client_id": service.client_id,
            "credential_id": service.credential_id, "secret_env": "EUROPASS_SEAL_CSC_SECRET", "batch_size": 100}  # fmt: skip
    refused = staff_client.post(_page(organisation), form).content.decode()
    assert "must be at a public HTTPS address" in refused
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True  # the test service runs on this machine
    shown = staff_client.post(_page(organisation), form, follow=True).content.decode()
    assert f"The e-seal is now the remote credential {service.credential_id}" in shown
    assert service.client_secret not in shown
    assert active_seal(organisation).source == OrganisationSeal.Source.CSC


def test_an_issuer_who_is_not_an_administrator_can_neither_test_nor_change_the_key(
    organisation: Organisation, client: Client
) -> None:
    issuer = User.objects.create_user("issuer@demo.example", "a-long-Passphrase-42")
    Membership.objects.create(user=issuer, organisation=organisation, role=Membership.Role.ISSUER)
    client.force_login(issuer)
    page = client.get(_page(organisation)).content.decode()
    assert "Where the key lives" not in page and 'value="test"' not in page
    for form in ("test", "software", "pkcs11", "csc"):
        assert client.post(_page(organisation), {"form": form}).status_code in (403, 404)
