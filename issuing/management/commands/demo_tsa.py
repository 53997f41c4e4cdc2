from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from issuing.demo import demo_tsa_authority, tsa_paths


class Command(BaseCommand):
    help = (
        "Run the demo RFC 3161 time-stamping authority on 127.0.0.1 (what `make run` starts; its key and certificate "
        "are made by demo_setup under the demo trust anchor). Production uses a qualified TSA: set TSA_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("TSA_PORT", "8318")))

    def handle(self, *args: Any, **options: Any) -> None:
        from europass.sealing.tsa import server

        if not all(path.exists() for path in tsa_paths()):
            raise CommandError(
                _("The demo time-stamping authority has no key yet: run `manage.py demo_setup` first.")
            )
        http = server(demo_tsa_authority(), port=options["port"])
        self.stdout.write(
            _("Demo time-stamping authority: %(url)s (Ctrl-C stops it)")
            % {"url": f"http://127.0.0.1:{options['port']}/"}
        )
        try:
            http.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            http.server_close()
