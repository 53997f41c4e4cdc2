from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from europass.credentials.example import example_credential
from europass.credentials.schema import SchemaValidator
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.seal import Sealer
from europass.sealing.trust import TrustAnchor, TrustStore

INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"


@pytest.fixture(scope="session")
def pki() -> DemoPKI:
    return make_demo_pki()


@pytest.fixture(scope="session")
def sealer(pki: DemoPKI) -> Sealer:
    return Sealer(pki.seal)


@pytest.fixture(scope="session")
def trust(pki: DemoPKI) -> TrustStore:
    return TrustStore(
        [TrustAnchor(pki.anchor_cert.public_bytes(Encoding.DER), "Demo anchor", qualified_for_seals=True)]
    )


@pytest.fixture(scope="session")
def schema() -> SchemaValidator:
    return SchemaValidator()  # the official schemas shipped with the product


@pytest.fixture(scope="session")
def sealed(sealer: Sealer) -> bytes:
    return sealer.seal(example_credential().to_xml())
