"""A batch is marked done once, by whichever chunk is stored last, even when its last chunks are stored at the same
moment by two workers (each sees the other's credentials as pending until it commits); and a batch left with
nothing pending is marked done when a worker starts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import AuditEvent, Batch, IssuedCredential
from issuing.services.batches import batches_resume
from issuing.services.sealing import batch_finish_if_done

from .conftest import concurrently, confirmed_batch


def _store(credential_id: int) -> None:
    IssuedCredential.objects.filter(pk=credential_id, status=IssuedCredential.Status.PENDING).update(
        status=IssuedCredential.Status.SEALED
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one transaction at a time")
@pytest.mark.django_db(transaction=True)
def test_two_last_chunks_stored_at_the_same_moment_mark_the_batch_done_once(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = confirmed_batch(organisation, staff, 2, monkeypatch)
    first, second = batch.credentials.order_by("id").values_list("id", flat=True)
    first_checked, second_storing = threading.Event(), threading.Event()

    def chunk_a() -> None:
        with transaction.atomic():
            _store(first)
            batch_finish_if_done(batch.pk)  # sees the second credential pending
            first_checked.set()
            second_storing.wait(5)
            threading.Event().wait(0.3)  # the other chunk checks while this one has not committed

    def chunk_b() -> None:
        first_checked.wait(5)
        with transaction.atomic():
            _store(second)
            second_storing.set()
            batch_finish_if_done(batch.pk)

    errors = concurrently(chunk_a, chunk_b, timeout=10)
    assert not errors, errors
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SEALED, target=batch.filename).count() == 1


@pytest.mark.django_db
def test_a_batch_left_with_nothing_pending_is_marked_done_when_a_worker_starts(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = confirmed_batch(organisation, staff, 3, monkeypatch)
    for credential_id in batch.credentials.values_list("id", flat=True):
        _store(credential_id)  # stored, but no chunk got to mark the batch done
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.SEALING
    monkeypatch.undo()
    assert batches_resume() == 0  # nothing to queue again
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DONE
