from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

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
                "Refusing to create demo users with DEBUG off. Use --force if you really mean it."
            )
        if not settings.DEMO_PASSWORD:
            raise CommandError("Set DEMO_PASSWORD: with DEBUG off the demo users get no default password.")
        result = demo_setup()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo awarding body: {result.organisation} (slug '{result.organisation.slug}')"
            )
        )
        self.stdout.write(f"Demo e-seal: {result.seal.subject} (qualified: {result.seal.qualified})")
        self.stdout.write(f"Demo trust anchor: {result.anchor_path}")
        self.stdout.write("Demo logins:")
        for login in result.logins:
            self.stdout.write(f"  {login.role:<48} {login.email:<32} password: {login.password}")
