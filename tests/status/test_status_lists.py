"""Status lists: entries are handed out without overlap, a revoked bit is published and read back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from europass.registry.models import Organisation
from europass.status.models import DEFAULT_SIZE, StatusList
from europass.status.selectors import decode_list, is_set, local_status_list, status_list_credential
from europass.status.services import status_allocate, status_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation() -> Organisation:
    return Organisation.objects.create(slug="org", legal_name="Org", legal_identifier="VATFR-1", country="FR")


def test_allocations_never_overlap_and_open_a_new_list_when_one_is_full(organisation: Organisation) -> None:
    first = status_allocate(organisation=organisation, count=10)
    second = status_allocate(organisation=organisation, count=5)
    assert list(first[0].indexes()) == list(range(10))
    assert list(second[0].indexes()) == list(range(10, 15))
    StatusList.objects.filter(organisation=organisation).update(next_index=DEFAULT_SIZE - 3)
    spill = status_allocate(organisation=organisation, count=5)
    assert [a.count for a in spill] == [3, 2]
    assert spill[0].status_list != spill[1].status_list
    assert list(spill[1].indexes()) == [0, 1]


def test_a_revoked_entry_is_published_in_the_bitstring_and_nothing_else_is(
    organisation: Organisation, client: Client
) -> None:
    allocation = status_allocate(organisation=organisation, count=20)[0]
    status_set(status_list=allocation.status_list, index=13)
    response = client.get(allocation.status_list.get_absolute_url())
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert body["credentialSubject"]["statusPurpose"] == "revocation"
    bits = decode_list(body["credentialSubject"]["encodedList"])
    assert len(bits) == DEFAULT_SIZE // 8
    assert [i for i in range(20) if is_set(bits, i)] == [13]
    status_set(status_list=allocation.status_list, index=13, revoked=False)
    allocation.status_list.refresh_from_db()
    assert not is_set(
        decode_list(status_list_credential(allocation.status_list)["credentialSubject"]["encodedList"]), 13
    )


def test_a_url_of_this_portal_resolves_to_its_list_and_a_foreign_one_does_not(
    organisation: Organisation,
) -> None:
    status_list = status_allocate(organisation=organisation, count=1)[0].status_list
    assert local_status_list(status_list.url) == status_list
    assert local_status_list("https://elsewhere.example" + status_list.get_absolute_url()) is None
    assert local_status_list("not a url") is None


def test_an_unknown_status_list_is_404(client: Client) -> None:
    assert client.get("/status/00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_live_read_of_an_entry_sees_a_revocation_at_once_and_knows_no_other_list(
    organisation: Organisation,
) -> None:
    import uuid

    from europass.status.selectors import entry_state

    status_list = status_allocate(organisation=organisation, count=20)[0].status_list
    assert entry_state(status_list.public_id, 13) == (status_list.pk, False)
    status_set(status_list=status_list, index=13)
    status_set(status_list=status_list, index=0)
    entries = {i: entry_state(status_list.public_id, i) for i in (0, 1, 12, 13, 14, DEFAULT_SIZE + 9)}
    assert {i for i, entry in entries.items() if entry and entry[1]} == {0, 13}
    assert entries[DEFAULT_SIZE + 9] == (status_list.pk, False)  # beyond the list: never set
    status_set(status_list=status_list, index=13, revoked=False)
    assert entry_state(status_list.public_id, 13) == (status_list.pk, False)
    assert entry_state(uuid.uuid4(), 13) is None


def test_another_process_revocation_is_seen_once_the_shared_version_is_read_again(
    organisation: Organisation,
) -> None:
    from django.core.cache import cache

    from europass.status.selectors import STATUS_VERSION, entry_state

    status_list = status_allocate(organisation=organisation, count=20)[0].status_list
    assert entry_state(status_list.public_id, 4) == (status_list.pk, False)  # now remembered by this process
    bits = bytearray(20)
    bits[0] = 0x08  # entry 4, written by another process, which then bumps the shared version
    StatusList.objects.filter(pk=status_list.pk).update(bits=bytes(bits))
    cache.set(STATUS_VERSION.key, "bumped-by-another-process", timeout=None)
    assert entry_state(status_list.public_id, 4) == (status_list.pk, False)  # within the second: not read yet
    STATUS_VERSION.forget()  # the second has passed
    assert entry_state(status_list.public_id, 4) == (status_list.pk, True)


def test_a_revocation_bumps_the_shared_status_version_now_and_again_when_it_commits(
    organisation: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    from europass.status.selectors import STATUS_VERSION

    status_list = status_allocate(organisation=organisation, count=20)[0].status_list
    before = STATUS_VERSION.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        status_set(status_list=status_list, index=3)
    during = STATUS_VERSION.get()
    assert during != before and len(callbacks) == 1
    callbacks[0]()
    assert STATUS_VERSION.get() not in (before, during)
