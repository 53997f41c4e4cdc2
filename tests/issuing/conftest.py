from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.db import connections
from django.test import Client

from europass.accounts.models import Membership, User
from europass.registry.demo import setup_registry
from europass.registry.models import Organisation
from issuing.demo import _demo_seal
from issuing.models import Batch
from issuing.sheets import COLUMNS


@pytest.fixture
def organisation(db: None) -> Organisation:
    organisation = setup_registry()
    _demo_seal(organisation)
    return organisation


@pytest.fixture
def staff(organisation: Organisation) -> User:
    user = User.objects.create_user("staff@demo.example", "a-long-Passphrase-42", is_staff=True)
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def learner(i: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "learner_id": f"S-{i:05d}",
        "given_name": "Ana",
        "family_name": f"Pereira {i}",
        "date_of_birth": dt.date(2000, 1, 2),
        "email": f"learner{i}@example.org",
        "qualification_code": "DEMO-BACHELOR-CS",
        "award_date": dt.date(2024, 6, 30),
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict[str, Any]], *, lang: str = "en") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Credentials"
    sheet.append([column.header(lang) for column in COLUMNS])
    for row in rows:
        sheet.append([row.get(column.key) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: list[dict[str, Any]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    lines = [delimiter.join(column.en for column in COLUMNS)]
    for row in rows:
        lines.append(delimiter.join("" if row.get(c.key) is None else str(row.get(c.key)) for c in COLUMNS))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def concurrently(*steps: Callable[[], object], timeout: float = 20) -> list[BaseException]:
    """Run each step in its own thread (its own database connection, closed at its end), wait for them all;
    returns what they raised (a deadlock is an error PostgreSQL raises in one of them)."""
    errors: list[BaseException] = []

    def run(step: Callable[[], object]) -> None:
        try:
            step()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors


def rows_created(batch: Batch) -> int:
    """In place of ``enqueue_sealing`` where a test seals by hand: what a worker does first with each chunk of a
    confirmed batch (``batch_rows_create``), the rows' pending credentials, and no sealing."""
    from issuing.models import BatchChunk
    from issuing.services.batches import batch_rows_create

    chunks = list(BatchChunk.objects.filter(batch=batch).values_list("start", "stop"))
    for start, stop in chunks:
        batch_rows_create(batch.pk, start, stop)
    return len(chunks)


def confirmed_batch(
    organisation: Organisation, staff: User, n: int, monkeypatch: pytest.MonkeyPatch
) -> Batch:
    """A confirmed batch of ``n`` learners whose credentials are created but not sealed (no worker: the test seals
    by hand)."""
    from issuing.services.batches import batch_confirm, batch_upload

    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    upload = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(1, n + 1)]),
        filename="c.xlsx",
    )
    return batch_confirm(batch=upload, actor=staff)
