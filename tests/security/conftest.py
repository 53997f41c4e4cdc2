"""The hostile-input corpus reuses the verification fixtures (a trusted demo PKI, the register, our credential) and
the issuing ones (an organisation with its e-seal, a staff member and their client)."""

from tests.issuing.conftest import organisation, staff, staff_client  # noqa: F401 - issuing fixtures
from tests.verification.conftest import (  # noqa: F401 - fixtures for this folder
    _verification_settings,
    allocation,
    make,
    make_for,
    ours,
    pki,
    register,
)
