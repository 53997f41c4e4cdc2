"""From an uploaded sheet to a confirmed batch of pending credentials, and its progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

from europass.core.bulk import bulk_insert
from europass.core.errors import ApplicationError, Conflict
from europass.registry.models import Organisation, Qualification
from europass.status.services import status_allocate

from ..audit import audit
from ..models import AuditEvent, Batch, BatchChunk, IssuedCredential
from ..sheets import IssueKey, LearnerRow, read_sheet, validate_sheet
from .sealing import SealResult, batch_finish_if_done, credentials_seal
from .seals import active_seal


def already_issued(organisation: Organisation) -> Any:
    """The lookup the sheet validator uses to flag credentials issued before (same learner, qualification, date)."""

    def lookup(keys: Iterable[IssueKey]) -> set[IssueKey]:
        keys = list(keys)
        if not keys:
            return set()
        dates = {key.award_date for key in keys}
        codes = {key.qualification_code for key in keys}
        existing = IssuedCredential.objects.filter(
            organisation=organisation, award_date__in=dates, qualification__code__in=codes
        ).exclude(status__in=[IssuedCredential.Status.CANCELLED])
        found = set()
        wanted = set(keys)
        for learner_id, email, code, award_date in existing.values_list(
            "learner_id", "holder_email", "qualification__code", "award_date"
        ).iterator():
            for key in (
                IssueKey(learner=learner_id, qualification_code=code, award_date=award_date),
                IssueKey(learner=email, qualification_code=code, award_date=award_date),
            ):
                if key in wanted:
                    found.add(key)
        return found

    return lookup


def batch_upload(*, organisation: Organisation, actor: Any, data: bytes, filename: str) -> Batch:
    """Read and validate the whole sheet. A sheet with errors becomes an 'invalid' batch that can never be confirmed."""
    raw = read_sheet(data, filename=filename)
    validation = validate_sheet(raw, organisation=organisation, already_issued=already_issued(organisation))
    batch = Batch.objects.create(
        organisation=organisation,
        status=Batch.Status.VALIDATED if validation.ok else Batch.Status.INVALID,
        filename=filename[:255],
        source=data,
        rows=[row.to_json() for row in validation.rows],
        problems=[problem.to_json() for problem in validation.problems],
        total=len(raw.rows),  # every learner row of the sheet, the valid and the wrong ones
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(
        organisation=organisation,
        actor=actor,
        action=AuditEvent.Action.UPLOADED,
        target=filename,
        details={"batch": str(batch.public_id), "rows": batch.total, "problems": len(batch.problems)},
    )
    return batch


def _holder_name(row: LearnerRow) -> str:
    return f"{row.given_name} {row.family_name}".strip()


def credentials_create(
    *, organisation: Organisation, rows: list[LearnerRow], batch: Batch | None = None
) -> list[IssuedCredential]:
    """Pending credentials, one per row, each with its status-list entry. Call inside a transaction."""
    qualifications = {
        q.code: q for q in Qualification.objects.filter(code__in={row.qualification_code for row in rows})
    }
    entries = [
        (allocation.status_list, index)
        for allocation in status_allocate(organisation=organisation, count=len(rows))
        for index in allocation.indexes()
    ]
    credentials = [
        IssuedCredential(
            organisation=organisation,
            batch=batch,
            row_number=row.row_number,
            qualification=qualifications[row.qualification_code],
            learner=row.to_json(),
            holder_email=row.email,
            learner_id=row.learner_id or "",
            holder_name=_holder_name(row),
            award_date=row.award_date,
            valid_until=row.valid_until,
            status_list=status_list,
            status_index=index,
        )
        for row, (status_list, index) in zip(rows, entries, strict=True)
    ]
    return bulk_insert(credentials)


def batch_confirm(*, batch: Batch, actor: Any) -> Batch:
    """Confirm a validated batch and queue its rows for sealing, in chunks of consecutive rows.

    Confirming writes no credential: each chunk's worker creates its rows' pending credentials (with their
    status-list entries) in one transaction, then seals them (``batch_rows_create``). A 10,000-row batch is
    confirmed at once, and its credentials are created in parallel by the workers that seal them."""
    active_seal(batch.organisation)  # refuse early, with a clear message, when there is no e-seal
    with transaction.atomic():
        updated = Batch.objects.filter(pk=batch.pk, status=Batch.Status.VALIDATED).update(
            status=Batch.Status.SEALING,
            confirmed_at=timezone.now(),
            confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
            confirmed_rows=len(batch.rows),
        )
        if not updated:
            batch.refresh_from_db()
            if batch.status == Batch.Status.INVALID:
                raise ApplicationError(
                    _("This sheet has errors: fix them and upload it again."), code="sheet_invalid"
                )
            raise Conflict(_("This batch was already confirmed."), code="already_confirmed")
        audit(
            organisation=batch.organisation,
            actor=actor,
            action=AuditEvent.Action.CONFIRMED,
            target=batch.filename,
            details={"batch": str(batch.public_id), "credentials": len(batch.rows)},
        )
        bulk_insert(
            [
                BatchChunk(batch=batch, start=start, stop=stop, rows=batch.rows[start:stop])
                for start, stop in _cut(len(batch.rows))
            ]
        )
        enqueue_sealing(batch)
    batch.refresh_from_db()
    return batch


def chunk_size(count: int) -> int:
    """Rows per sealing (and delivery) task: a chunk costs a constant number of statements and one broker message,
    so large batches go in large chunks (at most ``ISSUING_CHUNK_SIZE``); a smaller batch is cut in at least 16
    chunks (of at least 25) so every worker has a share and the progress moves smoothly."""
    largest: int = settings.ISSUING_CHUNK_SIZE
    return max(1, min(largest, max(25, -(-count // 16))))


def _cut(count: int) -> list[tuple[int, int]]:
    size = chunk_size(count)
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def batch_chunks(batch: Batch) -> list[tuple[int, int]]:
    """The chunks of a batch's rows still to do, as ``(start, stop)`` positions in ``batch.rows``: those with a
    row that has no credential yet, or a pending one. The chunks are those written when the batch was confirmed
    (``BatchChunk``), so a chunk queued twice is the same rows."""
    numbers = [row["row_number"] for row in batch.rows]
    done = {
        number
        for number, status in IssuedCredential.objects.filter(batch=batch).values_list("row_number", "status")
        if status != IssuedCredential.Status.PENDING
    }
    cuts = list(BatchChunk.objects.filter(batch=batch).values_list("start", "stop")) or _cut(len(numbers))
    return [(start, stop) for start, stop in cuts if any(n not in done for n in numbers[start:stop])]


def enqueue_sealing(batch: Batch) -> int:
    """Queue the batch's chunks that still have rows to create or seal, once the caller's transaction commits (a
    worker must see the batch confirmed); returns the number of chunks."""
    from ..tasks import seal_rows

    chunks = batch_chunks(batch)

    def queue() -> None:
        for start, stop in chunks:
            seal_rows.delay(batch.pk, start, stop)

    transaction.on_commit(queue)
    return len(chunks)


def batch_rows_create(batch_id: int, start: int, stop: int) -> list[int]:
    """Give the rows ``start:stop`` of a batch being sealed their pending credentials, those that have none yet,
    in one transaction; returns the ids of the chunk's pending credentials (to seal).

    The chunk and its batch are read and locked first, in one statement (PostgreSQL; SQLite's transactions take
    the write lock as they begin): two workers on the same chunk, or a cancel, go one after the other, and each row
    gets one credential. A batch no longer being sealed (cancelled, done) gets none."""
    with transaction.atomic():
        chunk = (
            BatchChunk.objects.select_for_update(of=("self", "batch"))
            .select_related("batch__organisation")
            .defer("batch__rows", "batch__source")
            .filter(batch_id=batch_id, start=start, stop=stop, batch__status=Batch.Status.SEALING)
            .first()
        )
        batch: Batch | None
        if chunk is not None:
            batch, rows = chunk.batch, chunk.rows
        else:  # no longer being sealed, or confirmed before chunks had their rows (all its credentials then)
            batch = (
                Batch.objects.select_for_update(of=("self",))
                .select_related("organisation")
                .defer("source")
                .filter(pk=batch_id, status=Batch.Status.SEALING)
                .first()
            )
            if batch is None:
                return []
            rows = batch.rows[start:stop]
        if not rows:
            return []
        numbers = {row["row_number"] for row in rows}
        existing = {
            number: (pk, status)
            for pk, number, status in IssuedCredential.objects.filter(
                batch_id=batch_id, row_number__range=(min(numbers), max(numbers))
            ).values_list("id", "row_number", "status")
            if number in numbers
        }
        pending = [pk for pk, status in existing.values() if status == IssuedCredential.Status.PENDING]
        missing = [LearnerRow.from_json(row) for row in rows if row["row_number"] not in existing]
        if missing:
            created = credentials_create(organisation=batch.organisation, rows=missing, batch=batch)
            pending += [credential.pk for credential in created]
    return sorted(pending)


def batch_chunk_seal(batch_id: int, start: int, stop: int) -> SealResult:
    """What a worker does with a chunk of a confirmed batch: its rows' pending credentials created (those not created
    yet), then sealed. Raises ``SourceUnavailable`` as ``credentials_seal`` does."""
    return credentials_seal(credential_ids=batch_rows_create(batch_id, start, stop))


def batches_resume() -> int:
    """Queue again the chunks still to do of every batch being sealed.

    Called when a worker starts: a worker killed mid-batch may have taken messages with it (the embedded broker
    deletes a message once delivered; Redis gives it back only after its visibility timeout). Queuing twice is
    harmless: each row gets one credential, and each credential is sealed once. A batch left with nothing to do is
    marked done here, and the credentials of a cancelled batch still pending are cancelled.
    """
    IssuedCredential.objects.filter(
        batch__status=Batch.Status.CANCELLED, status=IssuedCredential.Status.PENDING
    ).update(status=IssuedCredential.Status.CANCELLED)  # a cancel cut short (batch_cancel)
    queued = 0
    for batch in Batch.objects.filter(status=Batch.Status.SEALING).defer("source"):
        chunks = enqueue_sealing(batch)
        if not chunks:
            with transaction.atomic():
                batch_finish_if_done(batch.pk)
        queued += chunks
    return queued


def batch_cancel(*, batch: Batch, actor: Any) -> int:
    """Stop a batch: credentials not sealed yet are cancelled (sealed ones stay). Returns how many will not be
    sealed, counted as the batch page counts them (``batch_progress``), whether or not they had been created.

    The batch first, in a transaction of its own: from its commit no worker creates a chunk's credentials any more
    (``batch_rows_create`` waits for it, then finds the batch cancelled), and a chunk created just before is
    committed before it. Then its pending credentials: holding the batch row while waiting for a chunk being
    stored, which waits for the batch row to see whether the batch is done, would deadlock. A chunk being stored
    keeps what it sealed before; what it stores after finds its credentials cancelled (``WHERE status =
    'pending'``). A cancel cut short between the two is finished when a worker starts (``batches_resume``)."""
    with transaction.atomic():
        stopped = Batch.objects.filter(
            pk=batch.pk, status__in=[Batch.Status.VALIDATED, Batch.Status.SEALING]
        ).update(status=Batch.Status.CANCELLED, finished_at=timezone.now())
        if not stopped:
            batch.refresh_from_db()
            raise Conflict(
                _("This batch is %(status)s: there is nothing left to cancel.")
                % {"status": batch.get_status_display().lower()},
                code="nothing_to_cancel",
            )
    with transaction.atomic():
        IssuedCredential.objects.filter(batch=batch, status=IssuedCredential.Status.PENDING).update(
            status=IssuedCredential.Status.CANCELLED
        )
        batch.refresh_from_db()
        cancelled = batch_progress(batch).cancelled
        audit(
            organisation=batch.organisation,
            actor=actor,
            action=AuditEvent.Action.CANCELLED,
            target=batch.filename,
            details={"batch": str(batch.public_id), "cancelled": cancelled},
        )
    return cancelled


def batch_retry_failed(*, batch: Batch, actor: Any) -> int:
    with transaction.atomic():
        retried = IssuedCredential.objects.filter(batch=batch, status=IssuedCredential.Status.FAILED).update(
            status=IssuedCredential.Status.PENDING, failure_reason=""
        )
        if retried:
            Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.SEALING, finished_at=None)
            audit(
                organisation=batch.organisation,
                actor=actor,
                action=AuditEvent.Action.RETRIED,
                target=batch.filename,
                details={"batch": str(batch.public_id), "retried": retried},
            )
            enqueue_sealing(batch)
    return retried


@dataclass(frozen=True)
class Progress:
    """A batch's counts: the one place they are computed (batch page, bar, list, cancel message, zips, API)."""

    total: int
    pending: int
    sealed: int
    failed: int
    revoked: int
    cancelled: int
    status: str
    rate_per_second: float | None
    seconds_left: float | None
    rows_with_errors: int = 0

    @property
    def done(self) -> int:
        return self.sealed + self.failed + self.revoked + self.cancelled

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    @property
    def finished(self) -> bool:
        """Nothing will change any more by itself: the page stops following it."""
        return self.status not in (Batch.Status.SEALING,)

    @property
    def cancellable(self) -> bool:
        """What is not sealed yet can be stopped while the workers seal."""
        return self.status == Batch.Status.SEALING

    @property
    def retryable(self) -> bool:
        return bool(self.failed) and self.status in (
            Batch.Status.SEALING,
            Batch.Status.DONE,
            Batch.Status.CANCELLED,
        )

    @property
    def downloadable(self) -> bool:
        """A zip holds the sealed credentials in force only (``exports.EXPORTABLE``): none, nothing to offer."""
        return bool(self.sealed)

    @property
    def offers(self) -> str:
        """What the page offers, as a key: when it changes, the page's actions are redrawn."""
        return f"{self.status}-{int(self.cancellable)}{int(self.retryable)}{int(self.downloadable)}"

    @property
    def sentence(self) -> str:
        """“19 sealed, 1 revoked of 20”: every state that has credentials, then the total."""
        if self.status == Batch.Status.INVALID:
            return ngettext(
                "%(total)s row, %(errors)s with errors",
                "%(total)s rows, %(errors)s with errors",
                self.total,
            ) % {"total": self.total, "errors": self.rows_with_errors}
        if self.status == Batch.Status.VALIDATED:
            return ngettext("%(n)s credential to seal", "%(n)s credentials to seal", self.total) % {
                "n": self.total
            }
        parts = [ngettext("%(n)s sealed", "%(n)s sealed", self.sealed) % {"n": self.sealed}]
        if self.revoked:
            parts.append(
                npgettext("credentials", "%(n)s revoked", "%(n)s revoked", self.revoked) % {"n": self.revoked}
            )
        if self.failed:
            parts.append(ngettext("%(n)s failed", "%(n)s failed", self.failed) % {"n": self.failed})
        if self.cancelled:
            parts.append(
                npgettext("credentials", "%(n)s cancelled", "%(n)s cancelled", self.cancelled)
                % {"n": self.cancelled}
            )
        if self.pending:
            parts.append(
                npgettext("credentials", "%(n)s pending", "%(n)s pending", self.pending) % {"n": self.pending}
            )
        return _("%(parts)s of %(total)s") % {"parts": ", ".join(parts), "total": self.total}

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total": self.total,
            "pending": self.pending,
            "sealed": self.sealed,
            "failed": self.failed,
            "revoked": self.revoked,
            "cancelled": self.cancelled,
            "rows_with_errors": self.rows_with_errors,
            "percent": self.percent,
            "rate_per_second": self.rate_per_second,
            "seconds_left": self.seconds_left,
        }


def _progress(batch: Batch, counts: dict[str, int], now: dt.datetime | None) -> Progress:
    sealed = counts.get("sealed", 0)
    revoked = counts.get("revoked", 0)
    pending = counts.get("pending", 0)
    cancelled = counts.get("cancelled", 0)
    failed = counts.get("failed", 0)
    total = batch.total
    errors = 0
    if batch.status == Batch.Status.INVALID:
        errors = len({p.get("row") for p in batch.problems if p.get("severity") == "error" and p.get("row")})
    else:
        # Rows with no credential yet: still to seal, or never to be sealed once the batch was cancelled.
        missing = max(0, total - (sealed + revoked + pending + cancelled + failed))
        if batch.status == Batch.Status.CANCELLED:
            cancelled += missing
        else:
            pending += missing
    rate = seconds_left = None
    if batch.confirmed_at and (sealed + revoked):
        elapsed = ((batch.finished_at or now or timezone.now()) - batch.confirmed_at).total_seconds()
        if elapsed > 0:
            rate = round((sealed + revoked) / elapsed, 1)
            seconds_left = round(pending / rate, 1) if rate and pending else 0.0
    return Progress(
        total=total,
        pending=pending,
        sealed=sealed,
        failed=failed,
        revoked=revoked,
        cancelled=cancelled,
        status=batch.status,
        rate_per_second=rate,
        seconds_left=seconds_left,
        rows_with_errors=errors,
    )


def batches_progress(batches: Iterable[Batch], *, now: dt.datetime | None = None) -> dict[int, Progress]:
    """The counts of many batches in one query (the batch list)."""
    batches = list(batches)
    counts: dict[int, dict[str, int]] = {batch.pk: {} for batch in batches}
    rows = (
        IssuedCredential.objects.filter(batch__in=[batch.pk for batch in batches])
        .values_list("batch_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for batch_id, status, n in rows:
        counts[batch_id][status] = n
    return {batch.pk: _progress(batch, counts[batch.pk], now) for batch in batches}


def batch_progress(batch: Batch, *, now: dt.datetime | None = None) -> Progress:
    return batches_progress([batch], now=now)[batch.pk]
