"""A batch as one zip of XML and PDF, prepared by the workers in parts: progress, download, duplicates, failures.

The parts are rendered here by calling the task's service (the real-worker test is in test_worker_sealing.py)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import AuditEvent, Batch, BatchExport, ExportPart
from issuing.services import exports
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import rows_created
from verification.reading import extract_xml

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What would go to the workers: the parts queued (the test renders them itself)."""
    asked: list[int] = []
    monkeypatch.setattr("issuing.tasks.export_part.delay", lambda pk: asked.append(pk))
    monkeypatch.setattr("issuing.tasks.export_join.delay", lambda pk: asked.append(-pk))
    monkeypatch.setattr(exports, "PART_SIZE", 2)
    return asked


def _sealed_batch(organisation: Organisation, staff: User, n: int, monkeypatch: pytest.MonkeyPatch) -> Batch:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    rows = [learner(i) for i in range(1, n + 1)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="cohort.xlsx")
    batch = batch_confirm(batch=batch, actor=staff)
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    return batch


def _render_all(export: BatchExport) -> None:
    for part in export.parts.order_by("-number"):  # in any order: the last one to finish joins
        exports.export_part_render(part.pk)


def test_staff_prepare_the_zip_follow_its_progress_and_download_every_xml_with_its_pdf(
    organisation: Organisation,
    staff: User,
    staff_client: Client,
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    batch = _sealed_batch(organisation, staff, 5, monkeypatch)
    page = f"/issuing/batches/{batch.public_id}/"
    assert "Prepare a zip of XML and PDF" in staff_client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/issuing/batches/{batch.public_id}/exports/")
    assert response.status_code == 302 and response["Location"].endswith("#export")
    export = BatchExport.objects.get(batch=batch)
    assert sorted(queued) == sorted(export.parts.values_list("pk", flat=True))
    assert (export.status, export.total, export.parts_total) == ("rendering", 5, 3)

    shown = staff_client.get(page).content.decode()
    assert "0 of 5 PDFs rendered" in shown and "hx-get" in shown
    first = export.parts.get(number=0)
    assert exports.export_part_render(first.pk)
    progress = staff_client.get(f"/issuing/batches/{batch.public_id}/exports/{export.public_id}/progress")
    assert "2 of 5 PDFs rendered" in progress.content.decode()

    _render_all(export)
    export.refresh_from_db()
    assert export.status == "ready" and export.rendered == 5 and export.size_bytes > 0
    progress = staff_client.get(f"/issuing/batches/{batch.public_id}/exports/{export.public_id}/progress")
    assert "Download the zip (5 credentials" in progress.content.decode()
    assert "hx-get" not in progress.content.decode()  # polling stops

    download = staff_client.get(f"/issuing/batches/{batch.public_id}/exports/{export.public_id}.zip")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    names = archive.namelist()
    stems = [name.rsplit(".", 1)[0] for name in names]
    # by sheet row, each sealed file (XML, EDC 3: the demo body issues both) beside its PDF
    assert len(names) == 15 and stems == sorted(stems)
    assert {name.rsplit(".", 1)[1] for name in names} == {"xml", "jsonld", "pdf"}
    for pdf in (name for name in names if name.endswith(".pdf")):
        assert extract_xml(archive.read(pdf)) == archive.read(pdf.removesuffix(".pdf") + ".xml")
    assert not (exports.exports_dir() / str(export.public_id)).exists()  # the parts are gone
    assert AuditEvent.objects.filter(action="exported", organisation=organisation).count() == 1


def test_asking_twice_reuses_the_zip_being_prepared_or_the_complete_one(
    organisation: Organisation, staff: User, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed_batch(organisation, staff, 3, monkeypatch)
    export = exports.export_request(batch=batch, actor=staff, lang="en")
    assert exports.export_request(batch=batch, actor=staff, lang="en") == export  # still rendering
    _render_all(export)
    assert exports.export_request(batch=batch, actor=staff, lang="en") == export  # ready and complete
    french = exports.export_request(batch=batch, actor=staff, lang="fr")
    assert french != export and french.lang == "fr"
    assert not exports.export_file(export).exists()  # replaced: its file is deleted
    assert not BatchExport.objects.filter(pk=export.pk).exists()


def test_a_part_delivered_twice_is_counted_once(
    organisation: Organisation, staff: User, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed_batch(organisation, staff, 3, monkeypatch)
    export = exports.export_request(batch=batch, actor=staff, lang="en")
    first = export.parts.get(number=0)
    assert exports.export_part_render(first.pk) is True
    assert exports.export_part_render(first.pk) is False
    export.refresh_from_db()
    assert (export.rendered, export.parts_done, export.status) == (2, 1, "rendering")
    _render_all(export)
    export.refresh_from_db()
    assert (export.rendered, export.status) == (3, "ready")
    assert len(zipfile.ZipFile(exports.export_file(export)).namelist()) == 9  # XML, EDC 3, PDF each


def test_a_pdf_that_cannot_be_rendered_fails_the_export_with_the_reason_and_can_be_tried_again(
    organisation: Organisation,
    staff: User,
    staff_client: Client,
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = _sealed_batch(organisation, staff, 2, monkeypatch)
    export = exports.export_request(batch=batch, actor=staff, lang="en")

    def broken(**kwargs: Any) -> bytes:
        raise RuntimeError("font cache unavailable")

    monkeypatch.setattr(exports, "pdf_of_sealed", broken)
    _render_all(export)
    export.refresh_from_db()
    assert export.status == "failed" and "font cache unavailable" in export.error
    assert not list(exports.exports_dir().glob("**/*.tmp"))  # no scratch file left behind
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "The zip could not be prepared." in page and "Try again" in page
    from europass.core.pdf import pdf_of_sealed

    monkeypatch.setattr(exports, "pdf_of_sealed", pdf_of_sealed)
    again = exports.export_request(batch=batch, actor=staff, lang="en")
    assert again != export and again.status == "rendering"


def test_a_batch_with_nothing_sealed_says_so_and_prepares_nothing(
    organisation: Organisation, staff: User, staff_client: Client, queued: list[int]
) -> None:
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx([learner(1)]), filename="a.xlsx")
    response = staff_client.post(f"/issuing/batches/{batch.public_id}/exports/", follow=True)
    assert "No credential of this batch is sealed yet." in response.content.decode()
    assert not BatchExport.objects.exists() and not ExportPart.objects.exists()


def test_a_worker_restart_queues_again_the_unfinished_parts(
    organisation: Organisation, staff: User, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed_batch(organisation, staff, 5, monkeypatch)
    export = exports.export_request(batch=batch, actor=staff, lang="en")
    exports.export_part_render(export.parts.get(number=1).pk)
    queued.clear()
    assert exports.exports_resume() == 2
    assert sorted(queued) == sorted(export.parts.filter(finished=False).values_list("pk", flat=True))


def test_the_api_prepares_follows_and_downloads_the_zip(
    organisation: Organisation, staff: User, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed_batch(organisation, staff, 2, monkeypatch)
    api = APIClient()
    api.force_authenticate(staff)
    started = api.post(f"/api/v1/issuing/batches/{batch.public_id}/exports?lang=fr")
    assert started.status_code == 202
    body = started.json()
    assert body["status"] == "rendering" and body["lang"] == "fr" and body["download"] is None
    early = api.get(f"/api/v1/issuing/batches/{batch.public_id}/exports/{body['id']}/zip")
    assert early.status_code == 404 and "not ready" in early.json()["detail"]
    _render_all(BatchExport.objects.get(public_id=body["id"]))
    done = api.get(f"/api/v1/issuing/batches/{batch.public_id}/exports/{body['id']}").json()
    assert done["status"] == "ready" and done["percent"] == 100
    download = api.get(done["download"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) == 6  # XML, EDC 3, PDF each
