"""The PDF renderer finds the portal's stylesheets in production too (collected, hashed static files)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from europass.core.pdf import _local_file, pdf_of_sealed
from europass.credentials.example import example_credential
from europass.sealing.demo import make_demo_pki
from europass.sealing.seal import Sealer

MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


@pytest.fixture
def production_static(settings: Any, tmp_path: Path) -> Path:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    call_command("collectstatic", interactive=False, verbosity=0)
    return Path(settings.STATIC_ROOT)


@pytest.mark.django_db
def test_a_pdf_rendered_with_hashed_static_files_loads_every_stylesheet(
    production_static: Path, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    xml = Sealer(make_demo_pki().seal).seal(example_credential(site=settings.SITE_URL).to_xml())
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = pdf_of_sealed(xml=xml, qr_url=settings.SITE_URL + "/verify/", lang="en")
    assert pdf.startswith(b"%PDF")
    assert not [r for r in caplog.records if "Failed to load" in r.getMessage()], caplog.text


def test_only_files_inside_the_static_root_are_served_to_the_renderer(
    production_static: Path, settings: Any
) -> None:
    hashed = next(production_static.glob("wallet/visual.*.css"))
    base = settings.SITE_URL + settings.STATIC_URL
    assert _local_file(base + hashed.relative_to(production_static).as_posix()) == hashed.resolve()
    assert _local_file(base + "../../etc/passwd") is None
    assert _local_file("https://elsewhere.example" + settings.STATIC_URL + "wallet/visual.css") is None
