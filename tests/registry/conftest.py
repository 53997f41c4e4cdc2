from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_trust_version(request: pytest.FixtureRequest) -> None:
    """The test database is rolled back after each test but the cache is not: start each test on a new trust
    version so that no trust store built in an earlier test is reused."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    request.getfixturevalue("settings")
    from django.core.cache import cache

    from europass.registry.selectors import TRUST_VERSION_KEY

    cache.delete(TRUST_VERSION_KEY)
