"""Shared by the verification benchmarks: a scratch portal (SQLite under a temporary VAR_DIR unless DATABASE_URL
is set) with the demo register, a trusted demo anchor, a status list, and N sealed credentials of ours."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import scratch_environment  # noqa: E402

scratch_environment(
    "bench-verify-",
    ALLOWED_HOSTS="127.0.0.1,localhost",
    VERIFY_API_RATE="100000000/min",  # the bench is one client: no throttling
    SECURE_SSL_REDIRECT="false",
)


def prepare(n: int) -> tuple[list[bytes], object]:
    """Migrate, load the demo register, trust a fresh demo anchor, seal ``n`` credentials; returns them and the
    demo PKI."""
    import django

    django.setup()
    from cryptography.hazmat.primitives import serialization
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    from europass.credentials.example import example_credential
    from europass.credentials.model import CredentialStatus
    from europass.registry.demo import setup_registry
    from europass.registry.services import trust_anchor_add
    from europass.sealing.demo import make_demo_pki
    from europass.sealing.seal import Sealer
    from europass.status.services import status_allocate

    pki = make_demo_pki()
    trust_anchor_add(
        pem=pki.anchor_cert.public_bytes(serialization.Encoding.PEM),
        name=f"bench anchor {os.getpid()}",
        qualified_for_seals=True,
    )
    organisation = setup_registry()
    allocation = status_allocate(organisation=organisation, count=n)[0]
    sealer = Sealer(pki.seal)
    documents = [
        sealer.seal(
            example_credential(
                site=settings.SITE_URL,
                status=CredentialStatus(url=allocation.status_list.url, index=allocation.start + i),
            ).to_xml()
        )
        for i in range(n)
    ]
    return documents, pki
