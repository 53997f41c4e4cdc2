"""Sealed credentials made with the core (demo PKI, example credential, Sealer), delivered with the wallet's own
service; users of every kind for the access matrix."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from europass.credentials.example import example_credential
from europass.credentials.model import CredentialStatus, Holder, MultilingualText
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer

SITE = "http://127.0.0.1:8000"
# A status list of this portal, created in the database by the tests that need it.
STATUS_LIST_ID = uuid.UUID("5e7a7f1e-0000-4000-8000-000000000001")
CITIZEN = "citizen@wallet.example"
OTHER = "other@wallet.example"
STAFF = "staff@wallet.example"

SealedFactory = Callable[..., bytes]


@pytest.fixture(scope="session")
def pki() -> DemoPKI:
    return make_demo_pki(org_name="Demo University", org_identifier="VATFR-12345678901", key_type="ec")


@pytest.fixture(scope="session")
def foreign_pki() -> DemoPKI:
    """An issuer whose trust anchor this portal does not know."""
    return make_demo_pki(org_name="Elsewhere College", org_identifier="VATBE-0123456789", key_type="ec")


def _holder(email: str, name: str = "Camille Martin") -> Holder:
    given, family = name.split(" ", 1)
    return Holder(
        id=f"urn:uuid:{uuid.uuid4()}",
        given_names=MultilingualText({"en": given}),
        family_name=MultilingualText({"en": family}),
        full_name=MultilingualText({"en": name}),
        date_of_birth=dt.date(2001, 4, 12),
        email=email,
    )


@pytest.fixture(scope="session")
def make_sealed(pki: DemoPKI) -> SealedFactory:
    sealer = Sealer(pki.seal)

    def make(
        *,
        email: str = CITIZEN,
        status_index: int | None = None,
        sealer_: Sealer | None = None,
        **overrides: Any,
    ) -> bytes:
        if status_index is not None:
            overrides["status"] = CredentialStatus(url=f"{SITE}/status/{STATUS_LIST_ID}", index=status_index)
        overrides.setdefault("holder", _holder(email))
        return (sealer_ or sealer).seal(example_credential(site=SITE, **overrides).to_xml())

    return make


@pytest.fixture(scope="session")
def sealed_xml(make_sealed: SealedFactory) -> bytes:
    return make_sealed(status_index=7)


@pytest.fixture(scope="session")
def foreign_sealed_xml(foreign_pki: DemoPKI) -> bytes:
    credential = example_credential(site=SITE, holder=_holder(CITIZEN))
    return Sealer(foreign_pki.seal).seal(credential.to_xml())


def anchor_pem(pki: DemoPKI) -> bytes:
    return pki.anchor_cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(autouse=True)
def _wallet_settings(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    from europass.registry.selectors import TRUST_VERSION_KEY

    cache.delete(TRUST_VERSION_KEY)  # no trust store of an earlier test is reused
    # The wallet's rate limits count in the shared cache, per user id (ids repeat from one run to the next): out of
    # the way here; the tests of those limits set their own rates and start from an empty count.
    from rest_framework.throttling import ScopedRateThrottle

    rates = {
        **ScopedRateThrottle.THROTTLE_RATES,
        "wallet_upload": "100000/hour",
        "wallet_share_pdf": "100000/min",
    }
    request.getfixturevalue("monkeypatch").setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def trusted(db: None, pki: DemoPKI, status_list: Any) -> Any:
    from europass.registry.demo import setup_registry
    from europass.registry.services import trust_anchor_add

    setup_registry()  # the demo awarding body, accredited for the example's qualification: fully verified
    return trust_anchor_add(pem=anchor_pem(pki), name="Demo anchor", qualified_for_seals=True)


@pytest.fixture
def status_list(db: None) -> Any:
    from europass.registry.models import Organisation
    from europass.status.models import StatusList

    organisation, _ = Organisation.objects.get_or_create(
        slug="demo-wallet",
        defaults={"legal_name": "Demo University", "legal_identifier": "VATFR-12345678901", "country": "FR"},
    )
    return StatusList.objects.create(
        public_id=STATUS_LIST_ID, organisation=organisation, bits=b"", next_index=100
    )


def _user(email: str, *, verified: bool = True, staff_of: Any = None) -> Any:
    from allauth.account.models import EmailAddress

    from europass.accounts.models import Membership, User

    user = User.objects.create_user(email, "a-long-test-password-42")
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if staff_of is not None:
        Membership.objects.create(user=user, organisation=staff_of, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def citizen(db: None) -> Any:
    return _user(CITIZEN)


@pytest.fixture
def other_citizen(db: None) -> Any:
    return _user(OTHER)


@pytest.fixture
def issuer_staff(db: None) -> Any:
    from europass.registry.models import Organisation

    organisation, _ = Organisation.objects.get_or_create(
        slug="demo-wallet",
        defaults={"legal_name": "Demo University", "legal_identifier": "VATFR-12345678901", "country": "FR"},
    )
    return _user(STAFF, staff_of=organisation)


@pytest.fixture
def held(citizen: Any, sealed_xml: bytes) -> Any:
    """The citizen's wallet holds one credential, delivered by the wallet's own service."""
    from wallet.models import WalletCredential
    from wallet.services import credential_deliver

    assert (
        credential_deliver(
            xml=sealed_xml,
            holder_email=CITIZEN,
            credential_id="x",
            issuer_name="Demo University",
            title="Bachelor",
        )
        == "wallet"
    )
    return WalletCredential.objects.get(owner=citizen)
