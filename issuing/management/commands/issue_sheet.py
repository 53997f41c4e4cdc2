from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from europass.core.errors import ApplicationError
from europass.registry.models import Organisation
from issuing.models import Batch, IssuedCredential
from issuing.services.batches import batch_confirm, batch_progress, batch_upload


class Command(BaseCommand):
    help = (
        "Validate a spreadsheet and seal one credential per row with the Celery workers. "
        "Exits 1 with row/column messages when the sheet has errors (nothing is issued then)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="XLSX, ODS or CSV")
        parser.add_argument("--organisation", required=True, help="the organisation's short name (slug)")
        parser.add_argument(
            "--wait", action="store_true", help="wait until every credential is sealed, showing progress"
        )
        parser.add_argument("--out", help="with --wait: write each sealed XML into this folder")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="seconds to wait at most (default 3600)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with the short name {options['organisation']!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            batch = batch_upload(
                organisation=organisation, actor="command line", data=path.read_bytes(), filename=path.name
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        for problem in batch.problems:
            where = f"row {problem.get('row') or '-'}, column {problem.get('column') or '-'}"
            value = f" (value {problem.get('value')!r})" if problem.get("value") not in (None, "") else ""
            self.stderr.write(f"{problem.get('severity', 'error')}: {where}{value}: {problem.get('message')}")
        if batch.status == Batch.Status.INVALID:
            raise CommandError(f"The sheet has errors: nothing was issued. Batch {batch.public_id}.")
        try:
            batch = batch_confirm(batch=batch, actor="command line")
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Batch {batch.public_id}: {batch.total} credentials queued for sealing.")
        if not options["wait"]:
            return
        deadline = time.monotonic() + options["timeout"]
        while True:
            batch.refresh_from_db()
            progress = batch_progress(batch)
            self.stdout.write(
                f"\r{progress.sealed}/{progress.total} sealed, {progress.failed} failed ({progress.percent} %)",
                ending="",
            )
            self.stdout.flush()
            if progress.pending == 0:
                break
            if time.monotonic() > deadline:
                raise CommandError("Timed out waiting for the workers. Is a Celery worker running?")
            time.sleep(0.5)
        self.stdout.write("")
        if options["out"]:
            out = Path(options["out"])
            out.mkdir(parents=True, exist_ok=True)
            sealed = batch.credentials.filter(status=IssuedCredential.Status.SEALED)
            for credential in sealed.only("public_id", "row_number", "xml").iterator(chunk_size=500):
                (out / f"{credential.row_number or 0:05d}-{credential.public_id}.xml").write_bytes(
                    bytes(credential.xml or b"")
                )
            self.stdout.write(f"Sealed XML written to {out}.")
        if progress.failed:
            raise CommandError(f"{progress.failed} credentials failed; retry them from the batch page.")
        self.stdout.write(self.style.SUCCESS(f"Done: {progress.sealed} credentials sealed."))
