"""Real Celery workers seal a batch; a worker killed mid-batch loses nothing and seals nothing twice."""

from __future__ import annotations

import time
from typing import Any

import pytest

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import Batch, IssuedCredential
from issuing.services.batches import batch_confirm, batch_progress, batch_upload

from .conftest import learner, xlsx

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait_until(predicate: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_worker_killed_mid_batch_loses_nothing_and_seals_nothing_twice(
    organisation: Organisation, staff: User, start_worker: Any, settings: Any
) -> None:
    settings.ISSUING_CHUNK_SIZE = 10
    rows = [learner(i) for i in range(1, 201)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="cohort.xlsx")
    assert batch.status == Batch.Status.VALIDATED
    first = start_worker(concurrency=1, name="doomed")
    batch = batch_confirm(batch=batch, actor=staff)
    _wait_until(lambda: batch_progress(batch).sealed >= 20)
    first.kill()  # SIGKILL mid-batch: its unacknowledged chunk must come back
    sealed_at_kill = batch_progress(batch).sealed
    assert sealed_at_kill < 200
    start_worker(concurrency=2, name="rescuer")
    _wait_until(lambda: batch_progress(batch).pending == 0, timeout=180)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE
    credentials = list(batch.credentials.all())
    assert len(credentials) == 200
    assert all(c.status == IssuedCredential.Status.SEALED and c.xml for c in credentials)
    ids = [bytes(c.xml or b"").split(b'cred:id="', 1)[1].split(b'"', 1)[0] for c in credentials]
    assert len(set(ids)) == 200  # each credential sealed into exactly one document


def test_real_workers_prepare_a_batch_zip_of_sealed_files_and_pdfs_in_parallel_parts(
    organisation: Organisation, staff: User, start_worker: Any, settings: Any
) -> None:
    import zipfile
    from pathlib import Path

    from issuing.models import BatchExport
    from issuing.services.exports import PART_SIZE, export_file, export_request

    settings.ISSUING_EXPORT_DIR = Path(settings.VAR_DIR) / "exports"  # where the worker process writes
    count = PART_SIZE + 5  # two parts
    batch = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(1, count + 1)]),
        filename="c",
    )
    start_worker(concurrency=2, name="renderer")
    batch = batch_confirm(batch=batch, actor=staff)
    _wait_until(lambda: batch_progress(batch).pending == 0)
    export = export_request(batch=batch, actor=staff, lang="fr")
    assert export.parts_total == 2
    _wait_until(lambda: BatchExport.objects.get(pk=export.pk).status in ("ready", "failed"), timeout=240)
    export.refresh_from_db()
    assert export.status == "ready", export.error
    try:
        with zipfile.ZipFile(export_file(export)) as archive:
            names = archive.namelist()
        assert (
            len(names) == 3 * count and sum(name.endswith(".pdf") for name in names) == count
        )  # + XML, EDC 3
    finally:
        export_file(export).unlink(missing_ok=True)
