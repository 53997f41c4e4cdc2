"""Confirming a batch writes no credential: it queues the batch's rows in chunks, and each chunk's worker creates
its rows' pending credentials (one per row, however often the chunk runs) and seals them. A cancelled batch gets no
more credentials, a batch is not done while a chunk has not created its rows, and a worker start queues only the
chunks left to do."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import Batch, BatchChunk, IssuedCredential
from issuing.services.batches import (
    batch_cancel,
    batch_confirm,
    batch_progress,
    batch_rows_create,
    batch_upload,
    batches_resume,
)
from issuing.services.sealing import credentials_seal

from .conftest import concurrently, learner, xlsx


def _validated(organisation: Organisation, staff: User, n: int, *, first: int = 1) -> Batch:
    return batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(first, first + n)]),
        filename=f"cohort-{first}.xlsx",
    )


def _queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The chunks queued for the workers (batch, start, stop), recorded instead of sent."""
    calls: list[tuple[int, int, int]] = []
    monkeypatch.setattr("issuing.tasks.seal_rows.delay", lambda *args: calls.append(args))
    return calls


@pytest.mark.django_db
def test_confirming_writes_no_credential_and_queues_every_row_once_in_chunks_after_the_commit(
    organisation: Organisation,
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr("issuing.services.batches.settings.ISSUING_CHUNK_SIZE", 25)
    queued = _queued(monkeypatch)
    batch = _validated(organisation, staff, 60)
    with django_capture_on_commit_callbacks() as callbacks:
        batch = batch_confirm(batch=batch, actor=staff)
        assert queued == []  # nothing reaches a worker before the batch is confirmed for everyone
    for callback in callbacks:
        callback()
    assert batch.status == Batch.Status.SEALING and not batch.credentials.exists()
    assert queued == [(batch.pk, 0, 25), (batch.pk, 25, 50), (batch.pk, 50, 60)]
    chunks = list(BatchChunk.objects.filter(batch=batch).order_by("start"))
    assert [(c.start, c.stop) for c in chunks] == [(0, 25), (25, 50), (50, 60)]
    assert [row for c in chunks for row in c.rows] == batch.rows  # each chunk's worker reads its own rows
    progress = batch_progress(batch)
    assert (progress.total, progress.pending, progress.sealed) == (60, 60, 0)


@pytest.mark.django_db
def test_a_chunk_run_twice_gives_each_of_its_rows_one_credential_with_its_own_status_entry(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 30), actor=staff)
    assert list(BatchChunk.objects.filter(batch=batch).values_list("start", "stop")) == [(0, 25), (25, 30)]
    last = batch_rows_create(batch.pk, 25, 30)
    assert last == batch_rows_create(batch.pk, 25, 30)  # the second run finds them, creates none
    credentials = list(batch.credentials.order_by("row_number"))
    assert [c.pk for c in credentials] == last and len(credentials) == 5
    assert [c.learner["family_name"] for c in credentials] == [f"Pereira {i}" for i in range(26, 31)]
    assert [c.holder_email for c in credentials] == [f"learner{i}@example.org" for i in range(26, 31)]
    assert len({(c.status_list_id, c.status_index) for c in credentials}) == 5
    assert len(batch_rows_create(batch.pk, 0, 25)) == 25 and batch.credentials.count() == 30


@pytest.mark.django_db
def test_a_chunk_of_a_cancelled_batch_creates_nothing_and_every_row_counts_as_cancelled(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 30), actor=staff)
    batch_rows_create(batch.pk, 0, 25)
    assert batch_cancel(batch=batch, actor=staff) == 30  # 25 created and pending, 5 not created yet
    assert batch_rows_create(batch.pk, 25, 30) == []
    assert batch.credentials.count() == 25
    assert set(batch.credentials.values_list("status", flat=True)) == {IssuedCredential.Status.CANCELLED}
    assert batch_progress(batch).cancelled == 30


@pytest.mark.django_db
def test_a_batch_is_not_done_while_one_of_its_chunks_has_not_created_its_rows(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 30), actor=staff)
    credentials_seal(credential_ids=batch_rows_create(batch.pk, 0, 25))
    batch.refresh_from_db()
    assert batch.status == Batch.Status.SEALING  # nothing pending, but five rows have no credential yet
    progress = batch_progress(batch)
    assert (progress.sealed, progress.pending) == (25, 5)
    credentials_seal(credential_ids=batch_rows_create(batch.pk, 25, 30))
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE and batch_progress(batch).sealed == 30


@pytest.mark.django_db
def test_a_worker_start_queues_only_the_chunks_left_to_do_and_finishes_a_batch_with_none_left(
    organisation: Organisation,
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr("issuing.services.batches.settings.ISSUING_CHUNK_SIZE", 25)
    queued = _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 60), actor=staff)
    queued.clear()
    credentials_seal(credential_ids=batch_rows_create(batch.pk, 0, 25))  # sealed
    batch_rows_create(batch.pk, 25, 50)  # created, the worker died before sealing
    with django_capture_on_commit_callbacks(execute=True):
        assert batches_resume() == 2
    assert queued == [(batch.pk, 25, 50), (batch.pk, 50, 60)]
    for _batch, start, stop in queued:
        credentials_seal(credential_ids=batch_rows_create(batch.pk, start, stop))
    queued.clear()
    # As if the last store had been cut short before it marked the batch done:
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.SEALING)
    with django_capture_on_commit_callbacks(execute=True):
        assert batches_resume() == 0
    assert queued == []
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE and batch_progress(batch).sealed == 60


@pytest.mark.django_db
def test_creating_a_chunk_costs_the_same_statements_for_ten_or_twenty_five_rows(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queued(monkeypatch)
    counts = []
    for size, first in ((1, 1), (10, 10), (25, 100)):  # the first opens the organisation's status list
        batch = batch_confirm(batch=_validated(organisation, staff, size, first=first), actor=staff)
        with CaptureQueriesContext(connection) as queries:
            assert len(batch_rows_create(batch.pk, 0, size)) == size
        counts.append(len(queries))
    assert counts[1] == counts[2], counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one transaction at a time")
@pytest.mark.django_db(transaction=True)
def test_two_workers_creating_the_same_chunk_at_the_same_moment_give_each_row_one_credential(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 30), actor=staff)
    start = threading.Barrier(2)
    results: list[list[int]] = []

    def worker() -> None:
        start.wait(5)
        results.append(batch_rows_create(batch.pk, 0, 25))

    errors = concurrently(worker, worker)
    assert not errors, errors
    assert results[0] == results[1] and len(results[0]) == 25
    assert batch.credentials.count() == 25


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one transaction at a time")
@pytest.mark.django_db(transaction=True)
def test_cancelling_while_a_chunk_is_being_stored_waits_for_it_and_neither_deadlocks(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import transaction

    from issuing.services.sealing import batch_finish_if_done

    _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 3), actor=staff)
    first, *_rest = batch_rows_create(batch.pk, 0, 3)
    stored, cancelled = threading.Event(), threading.Event()

    def chunk() -> None:  # stores one credential, then (holding its row) asks whether the batch is done
        with transaction.atomic():
            IssuedCredential.objects.filter(pk=first, status=IssuedCredential.Status.PENDING).update(
                status=IssuedCredential.Status.SEALED
            )
            stored.set()
            cancelled.wait(0.5)  # the cancel is waiting for this credential's row
            batch_finish_if_done(batch.pk)

    def cancel() -> None:
        stored.wait(5)
        batch_cancel(batch=Batch.objects.get(pk=batch.pk), actor=staff)
        cancelled.set()

    errors = concurrently(chunk, cancel)
    assert not errors, errors  # a deadlock is an error PostgreSQL raises in one of them
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CANCELLED
    statuses = dict(batch.credentials.values_list("id", "status"))
    assert statuses.pop(first) == IssuedCredential.Status.SEALED  # stored before: it stays
    assert set(statuses.values()) == {IssuedCredential.Status.CANCELLED}


@pytest.mark.django_db
def test_a_cancel_cut_short_before_its_credentials_is_finished_when_a_worker_starts(
    organisation: Organisation,
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    queued = _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 3), actor=staff)
    batch_rows_create(batch.pk, 0, 3)
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.CANCELLED)  # the cancel's first step only
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batches_resume()
    assert queued == []
    assert set(batch.credentials.values_list("status", flat=True)) == {IssuedCredential.Status.CANCELLED}


@pytest.mark.django_db
def test_a_batch_confirmed_before_chunks_had_their_rows_is_sealed_and_finished_by_a_worker_start(
    organisation: Organisation,
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """As an upgrade finds it: every credential created at confirmation, no chunk rows, no count of rows."""
    from issuing.services.batches import credentials_create
    from issuing.sheets import LearnerRow

    queued = _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 3), actor=staff)
    BatchChunk.objects.filter(batch=batch).delete()
    Batch.objects.filter(pk=batch.pk).update(confirmed_rows=0)
    rows = [LearnerRow.from_json(row) for row in batch.rows]
    credentials_create(organisation=organisation, rows=rows, batch=batch)
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert batches_resume() == 1
    assert queued == [(batch.pk, 0, 3)]
    credentials_seal(credential_ids=batch_rows_create(batch.pk, 0, 3))
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE and batch.credentials.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "The credentials appear here as they are created"),
        ("fr", "Les attestations apparaissent ici à mesure qu'elles sont créées"),
    ],
)
def test_the_batch_page_of_a_batch_just_confirmed_says_its_credentials_appear_as_they_are_created(
    organisation: Organisation,
    staff: User,
    staff_client: Any,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    said: str,
) -> None:
    _queued(monkeypatch)
    batch = batch_confirm(batch=_validated(organisation, staff, 3), actor=staff)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 200
    assert said in page.content.decode() and "No credential matches" not in page.content.decode()
    batch_rows_create(batch.pk, 0, 3)  # the first chunk's worker has created them: the table shows them
    shown = staff_client.get(
        f"/issuing/batches/{batch.public_id}/", HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()
    assert shown.count('data-testid="credential-row"') == 3 and 'data-testid="credentials-empty"' not in shown
    filtered = staff_client.get(f"/issuing/batches/{batch.public_id}/?q=nobody", HTTP_ACCEPT_LANGUAGE=lang)
    assert 'data-testid="credentials-empty"' in filtered.content.decode()
    assert said not in filtered.content.decode()  # a search that finds nothing says so, as before
