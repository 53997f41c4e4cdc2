from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from issuing.demo import demo_setup


class Command(BaseCommand):
    help = "Create (or refresh) the demo awarding body, its qualifications, e-seal and users. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (not for production)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _("Refusing to create demo users with DEBUG off. Use --force if you really mean it.")
            )
        if not settings.DEMO_PASSWORD:
            raise CommandError(_("Set DEMO_PASSWORD: with DEBUG off the demo users get no default password."))
        result = demo_setup()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo awarding body: %(organisation)s (slug '%(slug)s')")
                % {"organisation": result.organisation, "slug": result.organisation.slug}
            )
        )
        self.stdout.write(
            _("Demo e-seal: %(subject)s (qualified: %(qualified)s)")
            % {"subject": result.seal.subject, "qualified": _("yes") if result.seal.qualified else _("no")}
        )
        self.stdout.write(_("Demo trust anchor: %(path)s") % {"path": result.anchor_path})
        self.stdout.write(_("Demo logins:"))
        for login in result.logins:
            password = _("password: %(password)s") % {"password": login.password}
            self.stdout.write(f"  {login.role:<48} {login.email:<32} {password}")
