from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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
            raise CommandError(
                _("No organisation with the short name %(slug)s.") % {"slug": repr(options["organisation"])}
            )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            batch = batch_upload(
                organisation=organisation, actor="command line", data=path.read_bytes(), filename=path.name
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        for problem in batch.problems:
            self.stderr.write(_problem(problem))
        if batch.status == Batch.Status.INVALID:
            raise CommandError(
                _("The sheet has errors: nothing was issued. Batch %(batch)s.") % {"batch": batch.public_id}
            )
        try:
            batch = batch_confirm(batch=batch, actor="command line")
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            ngettext(
                "Batch %(batch)s: %(count)s credential queued for sealing.",
                "Batch %(batch)s: %(count)s credentials queued for sealing.",
                batch.total,
            )
            % {"batch": batch.public_id, "count": batch.total}
        )
        if not options["wait"]:
            return
        deadline = time.monotonic() + options["timeout"]
        while True:
            batch.refresh_from_db()
            progress = batch_progress(batch)
            counts = _("%(sealed)s/%(total)s sealed, %(failed)s failed (%(percent)s %%)") % {
                "sealed": progress.sealed,
                "total": progress.total,
                "failed": progress.failed,
                "percent": progress.percent,
            }
            self.stdout.write(f"\r{counts}", ending="")
            self.stdout.flush()
            if progress.pending == 0:
                break
            if time.monotonic() > deadline:
                raise CommandError(_("Timed out waiting for the workers. Is a Celery worker running?"))
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
            self.stdout.write(_("Sealed XML written to %(path)s.") % {"path": out})
        if progress.failed:
            raise CommandError(
                ngettext(
                    "%(count)s credential failed; retry it from the batch page.",
                    "%(count)s credentials failed; retry them from the batch page.",
                    progress.failed,
                )
                % {"count": progress.failed}
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Done: %(count)s credential sealed.",
                    "Done: %(count)s credentials sealed.",
                    progress.sealed,
                )
                % {"count": progress.sealed}
            )
        )


SEVERITIES = {"error": gettext_lazy("error"), "warning": gettext_lazy("warning")}


def _problem(problem: dict[str, Any]) -> str:
    """One problem of the sheet, on one line: its severity, where it is, the value, what is wrong."""
    severity = problem.get("severity", "error")
    facts = {
        "severity": SEVERITIES.get(severity, severity),
        "row": problem.get("row") or "-",
        "column": problem.get("column") or "-",
        "message": problem.get("message"),
    }
    if problem.get("value") in (None, ""):
        return _("%(severity)s: row %(row)s, column %(column)s: %(message)s") % facts
    return _("%(severity)s: row %(row)s, column %(column)s (value %(value)s): %(message)s") % {
        **facts,
        "value": repr(problem.get("value")),
    }
