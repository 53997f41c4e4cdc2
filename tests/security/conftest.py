"""The hostile-input corpus reuses the verification fixtures (a trusted demo PKI, the register, our credential)."""

from tests.verification.conftest import (  # noqa: F401 - fixtures for this folder
    _verification_settings,
    allocation,
    make,
    make_for,
    ours,
    pki,
    register,
)
