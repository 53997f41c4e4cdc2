"""python manage.py trusted_list_sync [--lotl-url URL] [--signers PEM] [--territory FR ...] [--if-due]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError
from verification.trusted_lists import lotl_signers, trusted_list_sync, trusted_list_sync_if_due


class Command(BaseCommand):
    help = (
        "Fetch the EU List of Trusted Lists, check its signature against the Official Journal's certificates "
        "(following the pivot LOTLs), then fetch and check every national list and import its qualified CAs "
        "and time-stamping services with their status history. A list that fails keeps its territory as it "
        "was. Celery beat runs this daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lotl-url", help="address of the list of trusted lists (default: TRUSTED_LIST_LOTL_URL)"
        )
        parser.add_argument(
            "--signers",
            type=Path,
            help="PEM file of the certificates that may sign the LOTL, as published in the Official Journal "
            "(default: TRUSTED_LIST_LOTL_SIGNERS, the shipped europass/registry/trust/oj-lotl-signers.pem)",
        )
        parser.add_argument(
            "--territory",
            action="append",
            default=[],
            metavar="CODE",
            help="import only this territory's list (repeatable), e.g. --territory FR --territory DE",
        )
        parser.add_argument(
            "--if-due",
            action="store_true",
            help="sync only when no sync succeeded for TRUSTED_LIST_SYNC_INTERVAL_SECONDS (as beat does)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["if_due"]:
                if options["lotl_url"] or options["signers"] or options["territory"]:
                    raise CommandError(_("--if-due takes no other option (it syncs as configured)."))
                sync = trusted_list_sync_if_due()
                if sync is None:
                    self.stdout.write(_("No sync is due."))
                    return
            else:
                signers = lotl_signers(options["signers"]) if options["signers"] else None
                sync = trusted_list_sync(
                    lotl_url=options["lotl_url"], signers=signers, territories=options["territory"] or None
                )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        for message in sync.messages:
            self.stderr.write(self.style.WARNING(_("WARNING: %(message)s") % {"message": message}))
        for territory, state in sorted(sync.territories.items()):
            if state.get("state") == "imported":
                self.stdout.write(
                    _(
                        "%(territory)s: list %(sequence)s, %(services)s services, %(added)s added, "
                        "%(updated)s updated, %(unchanged)s unchanged, %(removed)s removed"
                    )
                    % {
                        "territory": territory,
                        "sequence": state.get("sequence_number"),
                        "services": state.get("services"),
                        "added": state.get("added"),
                        "updated": state.get("updated"),
                        "unchanged": state.get("unchanged"),
                        "removed": state.get("removed"),
                    }
                )
            else:
                self.stdout.write(
                    _("%(territory)s: FAILED: %(reason)s")
                    % {"territory": territory, "reason": state.get("reason")}
                )
        summary = _(
            "LOTL %(sequence)s: %(fetched)s lists imported, %(failed)s failed, %(services)s services, "
            "%(anchors)s anchors added or changed."
        ) % {
            "sequence": sync.lotl_sequence_number or "?",
            "fetched": sync.lists_fetched,
            "failed": sync.lists_failed,
            "services": sync.services_imported,
            "anchors": sync.anchors_changed,
        }
        if not sync.ok:
            raise CommandError(
                _("The sync failed: %(reasons)s") % {"reasons": "; ".join(sync.messages) or _("see the log")}
            )
        self.stdout.write(self.style.SUCCESS(summary))
