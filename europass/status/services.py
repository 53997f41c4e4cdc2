"""Allocate status-list entries and flip their bits (revocation)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from europass.registry.models import Organisation

from .models import StatusChange, StatusList
from .selectors import status_changed


@dataclass(frozen=True)
class Allocation:
    status_list: StatusList
    start: int
    count: int

    def indexes(self) -> range:
        return range(self.start, self.start + self.count)


def status_allocate(*, organisation: Organisation, count: int) -> list[Allocation]:
    """Reserve ``count`` consecutive-per-list entries for an organisation, opening new lists as they fill.

    Only the organisation's open list row is locked, for the time of one UPDATE: issuing in parallel for many
    organisations never waits on a global lock.
    """
    allocations: list[Allocation] = []
    remaining = count
    # All or nothing, within the caller's transaction if there is one (no savepoint: two statements fewer).
    with transaction.atomic(savepoint=False):
        while remaining > 0:
            status_list = (
                StatusList.objects.select_for_update()
                .filter(organisation=organisation, purpose=StatusList.Purpose.REVOCATION)
                .order_by("-id")
                .first()
            )
            if status_list is None or status_list.next_index >= status_list.size:
                status_list = StatusList.objects.create(organisation=organisation, bits=b"")
            take = min(remaining, status_list.size - status_list.next_index)
            allocations.append(Allocation(status_list, status_list.next_index, take))
            status_list.next_index += take
            status_list.save(update_fields=["next_index", "updated_at"])
            remaining -= take
    return allocations


def _bit(bits: bytearray, index: int, value: bool) -> None:
    byte, offset = divmod(index, 8)
    mask = 0x80 >> offset  # W3C: the first index is the left-most bit
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def status_set(*, status_list: StatusList, index: int, revoked: bool = True) -> None:
    if not 0 <= index < status_list.size:
        raise ValueError(f"index {index} is outside the status list")
    with transaction.atomic():
        locked = StatusList.objects.select_for_update().get(pk=status_list.pk)
        bits = bytearray(bytes(locked.bits or b"").ljust(locked.size // 8, b"\0"))
        _bit(bits, index, revoked)
        locked.bits = bytes(bits)
        locked.save(update_fields=["bits", "updated_at"])
        StatusChange.objects.create(status_list=locked, index=index, revoked=revoked)
        status_changed()
