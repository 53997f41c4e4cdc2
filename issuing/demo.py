"""The whole demo (idempotent): register, users, the demo awarding body's e-seal under a demo trust anchor, and one
sealed demo credential in the demo citizen's wallet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.db import transaction

from europass.accounts.demo import CITIZEN_EMAIL, DemoLogin, setup_users
from europass.registry.demo import setup_registry
from europass.registry.models import Organisation
from europass.registry.services import trust_anchor_ensure
from europass.sealing.demo import make_demo_pki

from .models import IssuedCredential, OrganisationSeal
from .services.batches import credentials_create
from .services.delivery import credentials_deliver
from .services.sealing import credentials_seal
from .services.seals import seal_store
from .sheets import LearnerRow

ANCHOR_NAME = "Europass Portal Demo Trust Anchor"


@dataclass(frozen=True)
class DemoResult:
    organisation: Organisation
    logins: list[DemoLogin]
    anchor_path: Path
    seal: OrganisationSeal


def anchor_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "trust-anchor.pem"


def _demo_seal(organisation: Organisation) -> OrganisationSeal:
    path = anchor_path()
    current = OrganisationSeal.objects.filter(organisation=organisation, active=True).first()
    if current is not None and path.exists():
        return current
    pki = make_demo_pki(
        org_name=organisation.legal_name,
        org_identifier=organisation.legal_identifier,
        country=organisation.country,
    )
    pem = pki.anchor_cert.public_bytes(Encoding.PEM)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    trust_anchor_ensure(pem=pem, name=ANCHOR_NAME, qualified_for_seals=True, source="manual")
    return seal_store(organisation=organisation, seal_key=pki.seal, actor="demo_setup")


def _demo_credential(organisation: Organisation) -> None:
    if IssuedCredential.objects.filter(organisation=organisation, holder_email=CITIZEN_EMAIL).exists():
        return
    row = LearnerRow(
        row_number=1,
        learner_id="DEMO-0001",
        given_name="Camille",
        family_name="Martin",
        date_of_birth=dt.date(2001, 4, 12),
        email=CITIZEN_EMAIL,
        qualification_code="DEMO-BACHELOR-CS",
        award_date=dt.date(2024, 6, 30),
        grade="Mention bien (15.2/20)",
        language="en",
    )
    (credential,) = credentials_create(organisation=organisation, rows=[row])
    credentials_seal(credential_ids=[credential.pk])
    credentials_deliver(credential_ids=[credential.pk])


def demo_setup(*, password: str | None = None) -> DemoResult:
    with transaction.atomic():
        organisation = setup_registry()
        logins = setup_users(organisation, password=password or settings.DEMO_PASSWORD)
        seal = _demo_seal(organisation)
    _demo_credential(organisation)
    return DemoResult(organisation=organisation, logins=logins, anchor_path=anchor_path(), seal=seal)
