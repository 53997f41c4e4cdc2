"""Shared versions: the process that bumps sees it at once; others read the shared cache again after the TTL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from europass.core.versions import SharedVersion


def test_a_bump_is_seen_at_once_here_and_by_other_processes_after_their_ttl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("europass.core.versions.time.monotonic", lambda: clock[0])
    here = SharedVersion("test-version-a", ttl=1.0)
    elsewhere = SharedVersion("test-version-a", ttl=1.0)  # another process's view of the same key
    first = here.get()
    assert elsewhere.get() == first
    bumped = here.bump()
    assert here.get() == bumped != first
    assert elsewhere.get() == first  # within its TTL it does not ask the cache
    clock[0] += 1.5
    assert elsewhere.get() == bumped
    cache.delete("test-version-a")


@pytest.mark.django_db
def test_a_register_change_bumps_its_version_now_and_again_when_the_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from europass.registry.models import Organisation
    from europass.registry.selectors import REGISTER_VERSION

    before = REGISTER_VERSION.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Organisation.objects.create(slug="v", legal_name="V", legal_identifier="VATFR-V", country="FR")
    during = REGISTER_VERSION.get()
    assert during != before and len(callbacks) == 1
    callbacks[0]()  # other processes that re-read the register before the commit read it again after
    assert REGISTER_VERSION.get() not in (before, during)
