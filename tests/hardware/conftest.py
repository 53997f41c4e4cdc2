"""A SoftHSM2 token per test module (Debian's softhsm2: `make test` installs it), in a scratch directory set before
the PKCS#11 library is first loaded."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.issuing.conftest import organisation, staff, staff_client  # noqa: F401 - issuing fixtures

from . import softhsm


@pytest.fixture(scope="session")
def softhsm_directory() -> Iterator[Path]:
    if not softhsm.available():
        pytest.skip("Debian's softhsm2 is needed (apt-get install softhsm2; `make test` installs it)")
    with tempfile.TemporaryDirectory(prefix="softhsm-") as directory:
        softhsm.configure(Path(directory))
        yield Path(directory)
