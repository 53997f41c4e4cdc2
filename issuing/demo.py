"""The whole demo (idempotent): register, users, the demo awarding body's e-seal under a demo trust anchor, and one
sealed demo credential in the demo citizen's wallet."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.db import transaction

from europass.accounts.demo import CITIZEN_EMAIL, DemoLogin, setup_users
from europass.registry.demo import setup_registry
from europass.registry.models import Organisation
from europass.registry.services import trust_anchor_ensure
from europass.sealing.demo import DemoPKI, make_demo_pki, make_tsa_certificate
from europass.sealing.tsa import TimeStampAuthority, server

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


def tsa_paths() -> tuple[Path, Path]:
    """The demo time-stamping authority's key (mode 0600, the demo's only) and certificate."""
    directory = Path(settings.VAR_DIR) / "demo"
    return directory / "tsa-key.pem", directory / "tsa.pem"


def _demo_tsa(pki: DemoPKI) -> None:
    """A time-stamping key and certificate under the demo trust anchor (extended key usage timeStamping)."""
    tsa = make_tsa_certificate(pki.anchor_cert, pki.anchor_key)
    key_path, certificate_path = tsa_paths()
    key_path.parent.mkdir(parents=True, exist_ok=True)
    pem = tsa.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    certificate_path.write_bytes(tsa.certificate.public_bytes(Encoding.PEM))


def demo_tsa_authority() -> TimeStampAuthority:
    return TimeStampAuthority.from_files(*tsa_paths())


@contextlib.contextmanager
def demo_tsa_running() -> Iterator[str]:
    """The demo time-stamping authority on a free local port for the duration (its URL), e.g. while demo_setup
    seals the demo credential before ``make run`` starts the TSA process."""
    http = server(demo_tsa_authority(), port=0)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_address[1]}/"
    finally:
        http.shutdown()
        http.server_close()


def _demo_seal(organisation: Organisation) -> OrganisationSeal:
    path = anchor_path()
    current = OrganisationSeal.objects.filter(organisation=organisation, active=True).first()
    if current is not None and path.exists() and all(p.exists() for p in tsa_paths()):
        return current
    pki = make_demo_pki(
        org_name=organisation.legal_name,
        org_identifier=organisation.legal_identifier,
        country=organisation.country,
    )
    pem = pki.anchor_cert.public_bytes(Encoding.PEM)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    _demo_tsa(pki)
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
    if settings.TSA_URL:  # the demo's own authority is not started yet: seal with it in process (B-T)
        from django.test.utils import override_settings

        with demo_tsa_running() as url, override_settings(TSA_URL=url):
            credentials_seal(credential_ids=[credential.pk])
    else:
        credentials_seal(credential_ids=[credential.pk])
    credentials_deliver(credential_ids=[credential.pk])


def demo_setup(*, password: str | None = None) -> DemoResult:
    with transaction.atomic():
        organisation = setup_registry()
        logins = setup_users(organisation, password=password or settings.DEMO_PASSWORD)
        seal = _demo_seal(organisation)
    _demo_credential(organisation)
    return DemoResult(organisation=organisation, logins=logins, anchor_path=anchor_path(), seal=seal)
