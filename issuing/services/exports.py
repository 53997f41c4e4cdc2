"""A batch as one zip of XML and PDF files, prepared by the Celery workers.

A PDF takes a few hundred milliseconds to render: a cohort of thousands is minutes of work, which a web request
cannot do. Asking for the zip creates an export split in parts of ``PART_SIZE`` credentials; every worker renders
parts in parallel (each part into its own small zip); the part that finishes last claims the export (conditional
update) and joins the parts into one file, streaming, without decompressing the PDFs. A part delivered twice is
rendered twice but counted once; a worker killed mid-part leaves the part unfinished, and it is queued again when a
worker starts (``exports_resume``).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError, Conflict, NotFound
from europass.core.pdf import pdf_of_sealed

from ..audit import audit
from ..models import AuditEvent, Batch, BatchExport, ExportPart, IssuedCredential

log = logging.getLogger(__name__)

PART_SIZE = 25
# What a zip holds: the credentials in force. A revoked credential is not handed out again (its own page keeps it).
EXPORTABLE = (IssuedCredential.Status.SEALED,)


def exports_dir() -> Path:
    return Path(settings.ISSUING_EXPORT_DIR)


def export_file(export: BatchExport) -> Path:
    return exports_dir() / f"{export.public_id}.zip"


def ready_file(export: BatchExport) -> Path:
    """The zip of a finished export; ``NotFound`` while it is being prepared, or once it was deleted."""
    path = export_file(export)
    if export.status != BatchExport.Status.READY or not path.exists():
        raise NotFound(_("This zip is not ready, or was deleted: prepare it again."))
    if export_outdated(export):
        raise Conflict(
            _("This zip was prepared before a credential was revoked or sealed: prepare it again."),
            code="export_outdated",
        )
    return path


def download_name(export: BatchExport) -> str:
    batch = export.batch
    stem = _safe_part(batch.filename.rsplit(".", 1)[0], limit=60) or str(batch.public_id)
    return f"batch-{stem}-{export.lang}.zip"


def _parts_dir(export: BatchExport) -> Path:
    return exports_dir() / str(export.public_id)


def _safe_part(text: str, *, limit: int) -> str:
    """ASCII letters, digits, dots and dashes only: accents folded, anything that could be a path squeezed out."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", folded).strip("-.")[:limit].strip("-.")


def member_name(credential: IssuedCredential) -> str:
    """The file name (without extension) of a credential in a zip: ``00002-S-2024-0001-Camille-Martin``.

    Sorted by sheet row, named from the learner ID and the holder's name, safely (ASCII, no path characters, no
    leading dot). The sheet row makes it unique within a batch; a credential without one (issued through the API)
    ends with the start of its public id instead."""
    learner = _safe_part(credential.learner_id or "", limit=40)
    holder = _safe_part(credential.holder_name or "", limit=60)
    head = f"{credential.row_number:05d}" if credential.row_number else str(credential.public_id)[:8]
    return "-".join(part for part in (head, learner, holder) if part)


class _Pipe(io.RawIOBase):
    """A write-only file whose bytes are taken away as they are written: a zip streamed without a seek."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def sealed_zip_check(batch: Batch) -> int:
    """How many credentials the zip of sealed files would hold; ``ApplicationError`` when none is sealed (nothing
    to offer)."""
    count = batch.credentials.filter(status__in=EXPORTABLE).count()
    if not count:
        raise ApplicationError(_("No credential of this batch is sealed yet."), code="nothing_to_export")
    return count


def _sealed_files(credential: IssuedCredential) -> list[tuple[str, bytes]]:
    """A credential's sealed files as zip members: ``<name>.xml`` (Europass XML, XAdES) and ``<name>.jsonld``
    (EDC 3, JAdES), whichever it was sealed in."""
    name = member_name(credential)
    files = [(f"{name}.xml", bytes(credential.xml or b"")), (f"{name}.jsonld", bytes(credential.edc3 or b""))]
    return [(member, data) for member, data in files if data]


def sealed_zip_stream(batch: Batch) -> Iterator[bytes]:
    """Every sealed credential of the batch, each in every format it was sealed in, one zip streamed as it is
    written (never whole in memory)."""
    pipe = _Pipe()
    sealed = (
        batch.credentials.filter(status__in=EXPORTABLE)
        .order_by("row_number", "id")
        .only("public_id", "row_number", "learner_id", "holder_name", "xml", "edc3")
    )
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
        for credential in sealed.iterator(chunk_size=500):
            for member, data in _sealed_files(credential):
                archive.writestr(member, data)
            yield pipe.take()
    yield pipe.take()


def sealed_zip_name(batch: Batch) -> str:
    return f"batch-{_safe_part(batch.filename.rsplit('.', 1)[0], limit=60) or batch.public_id}-sealed.zip"


def export_outdated(export: BatchExport) -> bool:
    """A zip made before a revocation (or before more credentials were sealed) no longer holds what the batch
    holds: it is not offered as is, it is prepared again."""
    if export.status != BatchExport.Status.READY:
        return False
    credentials = IssuedCredential.objects.filter(batch_id=export.batch_id)
    revoked_since = credentials.filter(
        status=IssuedCredential.Status.REVOKED, revoked_at__gte=export.created_at
    ).exists()
    return revoked_since or credentials.filter(status__in=EXPORTABLE).count() != export.total


def _remove_files(export: BatchExport) -> None:
    export_file(export).unlink(missing_ok=True)
    shutil.rmtree(_parts_dir(export), ignore_errors=True)


def exports_prune(batch: Batch | None = None) -> int:
    """Delete finished exports older than ``ISSUING_EXPORT_KEEP_DAYS``, and those of ``batch`` that a newer one
    replaces (files and rows)."""
    keep = timezone.now() - dt.timedelta(days=settings.ISSUING_EXPORT_KEEP_DAYS)
    old = list(BatchExport.objects.filter(created_at__lt=keep))
    if batch is not None:
        old += list(
            batch.exports.exclude(status__in=[BatchExport.Status.RENDERING, BatchExport.Status.JOINING])
        )
    for export in old:
        _remove_files(export)
    return BatchExport.objects.filter(pk__in={export.pk for export in old}).delete()[0]


def export_request(*, batch: Batch, actor: Any, lang: str) -> BatchExport:
    """Start preparing the zip of XML and PDF (or return the one being prepared, or a ready one that is still
    complete). Raises ``ApplicationError`` when the batch has no sealed credential yet."""
    lang = lang if lang in ("en", "fr") else "en"
    with transaction.atomic():
        Batch.objects.select_for_update().filter(pk=batch.pk).first()  # one request at a time per batch
        ids = list(
            batch.credentials.filter(status__in=EXPORTABLE)
            .order_by("row_number", "id")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise ApplicationError(_("No credential of this batch is sealed yet."), code="nothing_to_export")
        current = batch.exports.filter(lang=lang).exclude(status=BatchExport.Status.FAILED).first()
        if current is not None and (
            current.active
            or (current.total == len(ids) and export_file(current).exists() and not export_outdated(current))
        ):
            return current
        exports_prune(batch)
        export = BatchExport.objects.create(
            batch=batch,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            lang=lang,
            total=len(ids),
            parts_total=(len(ids) + PART_SIZE - 1) // PART_SIZE,
        )
        ExportPart.objects.bulk_create(
            ExportPart(export=export, number=number, credential_ids=ids[start : start + PART_SIZE])
            for number, start in enumerate(range(0, len(ids), PART_SIZE))
        )
        audit(
            organisation=batch.organisation,
            actor=actor,
            action=AuditEvent.Action.EXPORTED,
            target=str(batch.public_id),
            details={"credentials": len(ids), "lang": lang},
        )
        transaction.on_commit(lambda: enqueue_export(export))
    return export


def enqueue_export(export: BatchExport) -> int:
    """Queue every unfinished part (and the join, if every part is done)."""
    from ..tasks import export_join, export_part

    parts = list(export.parts.filter(finished=False).values_list("pk", flat=True))
    for part in parts:
        export_part.delay(part)
    if not parts:
        export_join.delay(export.pk)
    return len(parts) or 1


def _fail(export_pk: int, message: str) -> None:
    BatchExport.objects.filter(
        pk=export_pk, status__in=[BatchExport.Status.RENDERING, BatchExport.Status.JOINING]
    ).update(status=BatchExport.Status.FAILED, error=message[:2000], finished_at=timezone.now())


def export_part_render(part_pk: int) -> bool:
    """Render one part into its own zip; the part that completes the export joins it. False if nothing to do."""
    part = ExportPart.objects.select_related("export").filter(pk=part_pk).first()
    if part is None or part.finished or part.export.status != BatchExport.Status.RENDERING:
        return False
    export = part.export
    folder = _parts_dir(export)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"part-{part.number:06d}.zip"
    scratch = folder / f".part-{part.number:06d}-{uuid.uuid4().hex}.tmp"
    qr_url = settings.SITE_URL + reverse("verification:index")
    credentials = IssuedCredential.objects.filter(pk__in=part.credential_ids).only(
        "public_id", "row_number", "learner_id", "holder_name", "xml", "edc3"
    )
    try:
        with zipfile.ZipFile(scratch, "w") as archive:
            for credential in credentials.order_by("row_number", "id"):
                for member, data in _sealed_files(credential):
                    archive.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
                document, companion = credential.sealed_documents()
                # The PDF shows the XML when there is one, and attaches every sealed file.
                pdf = pdf_of_sealed(xml=document, companion=companion, qr_url=qr_url, lang=export.lang)
                archive.writestr(
                    f"{member_name(credential)}.pdf", pdf, compress_type=zipfile.ZIP_STORED
                )  # already compressed
        os.replace(scratch, target)
    except (
        Exception
    ) as error:  # a PDF that cannot be rendered ends the export with the reason, never silently
        scratch.unlink(missing_ok=True)
        log.exception("export %s: part %s failed", export.public_id, part.number)
        _fail(export.pk, _("Rendering failed: %(reason)s") % {"reason": error})
        return False
    with transaction.atomic():
        if ExportPart.objects.filter(pk=part.pk, finished=False).update(finished=True) != 1:
            return False  # the same part, delivered twice, already counted
        BatchExport.objects.filter(pk=export.pk).update(
            rendered=F("rendered") + len(part.credential_ids), parts_done=F("parts_done") + 1
        )
    export_join_claim(export.pk)
    return True


def export_join_claim(export_pk: int) -> bool:
    """Join the parts if every one is done and nobody else claimed the join."""
    claimed = BatchExport.objects.filter(
        pk=export_pk, status=BatchExport.Status.RENDERING, parts_done__gte=F("parts_total")
    ).update(status=BatchExport.Status.JOINING)
    if claimed != 1:
        return False
    export_join_run(export_pk)
    return True


def export_finish(export_pk: int) -> None:
    """Join an export whose parts are all done: claimed now, or left half-joined by a worker that stopped."""
    if not export_join_claim(export_pk):
        export_join_run(export_pk)  # does nothing unless the export is still being joined


def export_join_run(export_pk: int) -> None:
    """Stream every part's members into the export's zip (idempotent: writes a scratch file, then renames)."""
    export = BatchExport.objects.filter(pk=export_pk, status=BatchExport.Status.JOINING).first()
    if export is None:
        return
    folder, target = _parts_dir(export), export_file(export)
    scratch = target.with_name(f".{target.name}-{uuid.uuid4().hex}.tmp")
    try:
        with zipfile.ZipFile(scratch, "w", allowZip64=True) as out:
            for number in range(export.parts_total):
                with zipfile.ZipFile(folder / f"part-{number:06d}.zip") as part:
                    for info in part.infolist():
                        with part.open(info) as source, out.open(info, "w", force_zip64=True) as sink:
                            shutil.copyfileobj(source, sink, 1 << 20)
        os.replace(scratch, target)
    except Exception as error:
        scratch.unlink(missing_ok=True)
        log.exception("export %s: joining failed", export.public_id)
        _fail(export.pk, _("Packing the zip failed: %(reason)s") % {"reason": error})
        return
    shutil.rmtree(folder, ignore_errors=True)
    BatchExport.objects.filter(pk=export.pk, status=BatchExport.Status.JOINING).update(
        status=BatchExport.Status.READY, size_bytes=target.stat().st_size, finished_at=timezone.now()
    )


def exports_resume() -> int:
    """Queue again what a stopped worker may have left: unfinished parts, and joins that never ended."""
    from ..tasks import export_join

    queued = 0
    for export in BatchExport.objects.filter(status=BatchExport.Status.RENDERING):
        queued += enqueue_export(export)
    for export_pk in BatchExport.objects.filter(status=BatchExport.Status.JOINING).values_list(
        "pk", flat=True
    ):
        export_join.delay(export_pk)
        queued += 1
    return queued
