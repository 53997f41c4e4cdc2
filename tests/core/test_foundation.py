"""The foundation: settings, health, demo data, pages in two languages, error pages that leak nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from europass.accounts.models import Membership, User
from europass.registry.models import Accreditation, Organisation, Qualification

ROOT = Path(__file__).resolve().parents[2]


def _settings_in_subprocess(env: dict[str, str], expr: str) -> subprocess.CompletedProcess[str]:
    code = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='europass.settings'; django.setup(); from django.conf import settings; print({expr})"
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "KEY_ENCRYPTION_SECRETS", "DEMO_PASSWORD"}
        and k not in {"EUROPASS_TESTING", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_default_to_sqlite_and_the_embedded_broker_on_a_fresh_machine() -> None:
    result = _settings_in_subprocess(
        {"DEBUG": "true"}, "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL"
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "filesystem://" in result.stdout


def test_settings_use_postgresql_and_redis_when_their_urls_are_set() -> None:
    result = _settings_in_subprocess(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://u@db.example:5432/portal",
            "REDIS_URL": "redis://cache.example:6379/0",
        },
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.CACHES['default']['BACKEND']",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "postgresql" in result.stdout
        and "redis://cache.example:6379/0" in result.stdout
        and "RedisCache" in result.stdout
    )


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    result = _settings_in_subprocess({"DEBUG": "false"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_without_debug_set_the_settings_are_production_ones_and_refuse_development_secrets() -> None:
    no_secret = _settings_in_subprocess({}, "settings.DEBUG")
    assert no_secret.returncode != 0
    assert "SECRET_KEY must be set" in no_secret.stderr and "DEBUG=true" in no_secret.stderr
    no_key_secret = _settings_in_subprocess({"SECRET_KEY": "x" * 50}, "settings.DEBUG")
    assert no_key_secret.returncode != 0 and "KEY_ENCRYPTION_SECRETS must be set" in no_key_secret.stderr
    both = _settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "KEY_ENCRYPTION_SECRETS": "y" * 40},
        "settings.DEBUG, repr(settings.DEMO_PASSWORD), settings.SESSION_COOKIE_SECURE",
    )
    assert both.returncode == 0, both.stderr
    assert both.stdout.split() == ["False", "''", "True"]


def test_debug_true_is_development_mode_with_its_development_secrets() -> None:
    result = _settings_in_subprocess(
        {"DEBUG": "true"},
        "settings.DEBUG, settings.SECRET_KEY.startswith('django-insecure'), settings.DEMO_PASSWORD",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "demo-password"]


def test_a_dot_env_file_beside_the_project_is_not_read(tmp_path: Path) -> None:
    # A copy of the settings module, with a .env where the project's would be: were it read, DEBUG=true would turn
    # the development secrets on and the module would load.
    (tmp_path / "europass").mkdir()
    (tmp_path / "europass" / "settings.py").write_text((ROOT / "europass" / "settings.py").read_text())
    (tmp_path / ".env").write_text("DEBUG=true\n")
    code = (
        "import importlib.util, sys; "
        f"spec = importlib.util.spec_from_file_location('copied_settings', {str(tmp_path / 'europass' / 'settings.py')!r}); "
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); print(module.DEBUG)"
    )
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "KEY_ENCRYPTION_SECRETS"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**clean, "VAR_DIR": str(tmp_path / "var"), "EUROPASS_TESTING": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr, result.stdout + result.stderr


def test_production_settings_turn_on_secure_cookies_and_hsts() -> None:
    result = _settings_in_subprocess(
        {"DEBUG": "false", "SECRET_KEY": "x" * 50, "KEY_ENCRYPTION_SECRETS": "y" * 40},
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


def test_no_model_change_is_missing_a_migration(db: None) -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_demo_setup_twice_gives_the_same_data(
    db: None, capsys: pytest.CaptureFixture[str], settings: object
) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    call_command("demo_setup")
    first = (
        list(Organisation.objects.values_list("slug", "legal_identifier")),
        sorted(Qualification.objects.values_list("code", "eqf_level")),
        Accreditation.objects.count(),
        sorted(User.objects.values_list("email", "is_superuser")),
        Membership.objects.count(),
    )
    call_command("demo_setup")
    second = (
        list(Organisation.objects.values_list("slug", "legal_identifier")),
        sorted(Qualification.objects.values_list("code", "eqf_level")),
        Accreditation.objects.count(),
        sorted(User.objects.values_list("email", "is_superuser")),
        Membership.objects.count(),
    )
    assert first == second
    output = capsys.readouterr().out
    assert "issuer@demo.europass.test" in output and "citizen@demo.europass.test" in output
    assert "admin@demo.europass.test" in output and "demo-password" in output
    bachelor = Qualification.objects.get(code="DEMO-BACHELOR-CS")
    assert bachelor.eqf_level == 6 and len(bachelor.learning_outcomes) >= 5
    assert bachelor.title["fr"] and bachelor.title["en"]
    assert Accreditation.objects.filter(organisation__slug="demo", qualification=bachelor).exists()
    assert Client().login(email="citizen@demo.europass.test", password="demo-password")


def test_demo_setup_refuses_to_run_with_debug_off(db: None, settings: object) -> None:
    from django.core.management.base import CommandError

    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo_setup")
    assert not User.objects.exists()


def test_demo_setup_forced_in_production_needs_a_demo_password_of_its_own(db: None, settings: object) -> None:
    from django.core.management.base import CommandError

    settings.DEBUG = False  # type: ignore[attr-defined]
    settings.DEMO_PASSWORD = ""  # type: ignore[attr-defined]  # the production default
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("demo_setup", "--force")
    assert not User.objects.exists()


def test_the_home_page_leads_to_the_three_faces(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for url in (reverse("issuing:dashboard"), reverse("wallet:index"), reverse("verification:index")):
        assert f'href="{url}"' in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_pages_render_in_french_when_french_is_chosen(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Vérifier une attestation" in html
    assert "Verify a credential" not in html


def test_an_unknown_page_is_a_friendly_404_that_leaks_nothing(client: Client, settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    response = client.get("/no/such/page/<script>")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Traceback" not in html and "urlpatterns" not in html and "<script>" not in html


def test_a_server_error_shows_a_page_without_a_stack_trace(settings: object) -> None:
    from django.test import RequestFactory

    from europass.core.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b"Traceback" not in response.content


def test_health_reports_no_worker_as_unavailable(db: None, client: Client) -> None:
    from europass.celery import app

    app.control.purge()
    response = client.get("/healthz")
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok"
    if body["workers"] == 0:
        assert response.status_code == 503
