"""The batch page follows the batch live: the polled answer redraws the status badge, the actions offered and the
credentials table when they change, and stops once the batch is finished. Its counts say what happened."""

from __future__ import annotations

import html
import io
import json
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import Batch, BatchExport, IssuedCredential
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.delivery import credentials_deliver
from issuing.services.exports import export_file
from issuing.services.revocation import credential_revoke
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import rows_created

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db

OOB = re.compile(r'<(?:span|div) id="(batch-status|batch-actions|batch-credentials)"[^>]*hx-swap-oob="true"')


def _sealing(
    organisation: Organisation, staff: User, n: int, monkeypatch: pytest.MonkeyPatch, *, first: int = 1
) -> Batch:
    """A confirmed batch of ``n`` credentials (learners ``first``…); no worker: the tests seal by hand."""
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(first, first + n)]),
        filename="cohort.xlsx",
    )
    return batch_confirm(batch=batch, actor=staff)


def _seal(batch: Batch, count: int | None = None) -> None:
    ids = list(batch.credentials.order_by("row_number").values_list("id", flat=True))
    credentials_seal(credential_ids=ids[:count] if count is not None else ids)


def _follow(page: str) -> dict[str, str]:
    """What the page's poll carries besides ``said``: the table's query and what the page last drew."""
    found = re.search(r'<div id="progress"[^>]*hx-vals="([^"]*)"', page)
    assert found, "the page does not poll"
    return json.loads(html.unescape(found.group(1)))


def _said(page: str) -> str:
    found = re.search(r'\?said=([\w-]*)"', page)
    return found.group(1) if found else ""


def _poll(client: Client, batch: Batch, page: str) -> str:
    return client.get(
        f"/issuing/batches/{batch.public_id}/progress", {"said": _said(page), **_follow(page)}
    ).content.decode()


def _oob(answer: str) -> set[str]:
    return set(OOB.findall(answer))


def test_while_sealing_the_page_offers_to_cancel_and_its_poll_carries_the_tables_query(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 3, monkeypatch)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/", {"q": "pereira 2"}).content.decode()
    assert ">Sealing</span>" in page and "Cancel the rest" in page
    assert "Download the sealed files" not in page  # nothing sealed yet: no empty zip on offer
    follow = _follow(page)
    assert follow["q"] == "pereira 2" and follow["page"] == "1" and follow["status"] == ""
    assert page.count('data-testid="credential-row"') == 1 and "Pending" in page


def test_a_poll_with_nothing_new_redraws_only_the_bar(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 3, monkeypatch)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    answer = _poll(staff_client, batch, page)
    assert 'id="progress"' in answer and "hx-get" in answer
    # The rows and the actions are as the page drew them: left alone (and the focus with them).
    assert _oob(answer) == set()


def test_when_sealing_finishes_the_poll_redraws_the_badge_the_actions_and_the_rows_then_stops(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 3, monkeypatch)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    _seal(batch, 1)
    answer = _poll(staff_client, batch, page)
    # A first credential sealed: its row and the downloads now on offer; still sealing, still cancellable.
    assert _oob(answer) == {"batch-status", "batch-actions", "batch-credentials"}
    assert "Download the sealed files (zip)" in answer and "Cancel the rest" in answer
    assert "hx-get" in answer
    _seal(batch)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE
    answer = _poll(staff_client, batch, page)
    assert _oob(answer) == {"batch-status", "batch-actions", "batch-credentials"}
    status = re.search(r'<span id="batch-status"[^>]*>(.*?)</span>', answer)
    assert status and status.group(1) == "Done"
    assert "Cancel the rest" not in answer and "Download the sealed files (zip)" in answer
    rows = re.findall(r'data-testid="credential-status">(\w+)<', answer)
    assert rows == ["Sealed", "Sealed", "Sealed"]
    assert "hx-get" in answer  # the deliveries, queued behind the sealing, are still to come
    credentials_deliver(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    answer = _poll(staff_client, batch, page)
    assert "Claim link emailed" in answer and "Not delivered yet" not in answer  # the rows, without a reload
    assert "hx-get" not in answer  # polling stops
    # The page, reloaded, says the same.
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert ">Done</span>" in page and "Cancel the rest" not in page and "hx-get" not in page


def test_the_poll_reads_one_page_of_credentials_whatever_the_size_of_the_batch(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def queries(n: int, first: int) -> int:
        batch = _sealing(organisation, staff, n, monkeypatch, first=first)
        page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
        params = {"said": _said(page), **_follow(page), "rows": "changed"}  # the table is drawn
        with CaptureQueriesContext(connection) as captured:
            answer = staff_client.get(f"/issuing/batches/{batch.public_id}/progress", params)
        assert answer.status_code == 200 and "batch-credentials" in answer.content.decode()
        return len(captured)

    assert queries(3, 1) == queries(70, 100)  # 70 credentials: 50 shown, no query per row


def test_a_failure_offers_retry_and_a_cancelled_batch_with_nothing_sealed_offers_no_zip(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 3, monkeypatch)
    first = batch.credentials.order_by("row_number").first()
    assert first is not None
    IssuedCredential.objects.filter(pk=first.pk).update(
        status=IssuedCredential.Status.FAILED, failure_reason="The e-seal could not be used."
    )
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "Retry the failed ones" in page and "The e-seal could not be used." in page
    cancelled = staff_client.post(f"/issuing/batches/{batch.public_id}/cancel", follow=True).content.decode()
    assert "Cancelled: 2 credentials will not be sealed." in cancelled
    assert ">Cancelled</span>" in cancelled
    assert "Cancel the rest" not in cancelled and "hx-get" not in cancelled
    assert "Download the sealed files (zip)" not in cancelled and "Prepare a zip" not in cancelled


def test_cancelling_counts_the_credentials_that_will_not_be_sealed(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 5, monkeypatch)
    _seal(batch, 3)
    page = staff_client.post(f"/issuing/batches/{batch.public_id}/cancel", follow=True).content.decode()
    assert "Cancelled: 2 credentials will not be sealed." in page
    assert "3 of 5 sealed" in page and "2 cancelled" in page
    assert "Download the sealed files (zip)" in page  # the 3 sealed ones


def test_one_cancelled_credential_is_said_in_the_singular(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 2, monkeypatch)
    _seal(batch, 1)
    page = staff_client.post(f"/issuing/batches/{batch.public_id}/cancel", follow=True).content.decode()
    assert "Cancelled: 1 credential will not be sealed." in page


def test_after_a_revocation_the_bar_says_how_many_are_sealed_and_revoked_not_100_percent_sealed(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 4, monkeypatch)
    _seal(batch)
    credential = batch.credentials.order_by("row_number").first()
    assert credential is not None
    credential_revoke(credential=credential, actor=staff, reason="Awarded in error")
    progress = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    label = re.search(r'<label for="progress-bar">(.*?)</label>', progress, re.S)  # the bar's name
    figures = re.search(r'<div class="progress-figures">(.*?)</div>', progress, re.S)
    assert label is not None and figures is not None
    assert label.group(1).strip() == "3 of 4 sealed"  # not "3 of 4 sealed (100 %)"
    assert re.search(r'<span class="badge err">1 revoked</span>', figures.group(1))


def test_a_pdf_zip_made_before_a_revocation_is_not_offered_any_more(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealing(organisation, staff, 2, monkeypatch)
    _seal(batch)
    export = BatchExport.objects.create(
        batch=batch,
        total=2,
        rendered=2,
        parts_total=1,
        status=BatchExport.Status.READY,
        finished_at=timezone.now(),
    )
    export_file(export).parent.mkdir(parents=True, exist_ok=True)
    export_file(export).write_bytes(b"PK\x05\x06" + b"\0" * 18)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "Download the zip (2 credentials" in page
    credential = batch.credentials.order_by("row_number").first()
    assert credential is not None
    credential_revoke(credential=credential, actor=staff, reason="Awarded in error")
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "Download the zip" not in page
    assert (
        "prepared before a credential of this batch was revoked" in page
        and "Prepare a zip of XML and PDF" in page
    )


def test_the_batch_list_counts_every_row_of_the_sheet_the_wrong_ones_too(
    organisation: Organisation, staff_client: Client
) -> None:
    rows = [learner(i) for i in range(1, 21)]
    for i in (3, 7, 11):
        rows[i]["email"] = "not-an-email"
    upload = SimpleUploadedFile("twenty.xlsx", xlsx(rows))
    staff_client.post("/issuing/o/demo/upload/", {"sheet": upload})
    page = staff_client.get("/issuing/o/demo/batches/").content.decode()
    row = re.search(r"twenty\.xlsx</a></td><td[^>]*>(\d+)</td>", page)
    assert row and row.group(1) == "20"


def test_the_problems_of_a_sheet_are_labelled_cell_by_cell_for_a_phone(
    organisation: Organisation, staff_client: Client
) -> None:
    upload = SimpleUploadedFile("bad.xlsx", xlsx([learner(1, email="nope")]))
    page = staff_client.post("/issuing/o/demo/upload/", {"sheet": upload}, follow=True).content.decode()
    table = re.search(r'<table class="stacked" data-testid="problems">.*?</table>', page, re.S)
    assert table is not None
    assert 'data-label="Row"' in table.group(0) and 'data-label="Problem"' in table.group(0)


def test_the_marked_up_sheet_keeps_the_qualification_drop_down(
    organisation: Organisation, staff_client: Client
) -> None:
    from europass.registry.selectors import accredited_qualifications

    upload = SimpleUploadedFile("bad.xlsx", xlsx([learner(1, email="nope")]))
    staff_client.post("/issuing/o/demo/upload/", {"sheet": upload})
    batch = Batch.objects.get(filename="bad.xlsx")
    checked = staff_client.get(f"/issuing/batches/{batch.public_id}/checked.xlsx")
    assert checked.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(checked.content))
    (validation,) = workbook["Credentials"].data_validations.dataValidation
    assert validation.type == "list" and validation.formula1.startswith("=Lists!")
    listed = [row[0].value for row in workbook["Lists"].iter_rows()]
    assert listed == list(accredited_qualifications(organisation).values_list("code", flat=True))
    assert "DEMO-BACHELOR-CS" in listed
