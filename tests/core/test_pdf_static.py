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


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    import subprocess

    source = tmp_path / "out.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def test_the_portals_stylesheets_are_parsed_once_and_kept_between_renders(
    production_static: Path, settings: Any
) -> None:
    from europass.core.pdf import _with_parsed_stylesheets

    base = settings.SITE_URL + settings.STATIC_URL
    page = (
        f'<html><head><link rel="stylesheet" href="{base}wallet/pdf.css"></head><body><p>x</p></body></html>'
    )
    html, sheets = _with_parsed_stylesheets(page)
    again, sheets_again = _with_parsed_stylesheets(page)
    assert "<link" not in html and html == again
    assert len(sheets) == 1 and sheets_again[0] is sheets[0]


def test_a_stylesheet_changed_on_disk_is_parsed_again(settings: Any, tmp_path: Path) -> None:
    from europass.core.pdf import _with_parsed_stylesheets

    settings.STATIC_ROOT = tmp_path
    sheet = tmp_path / "look.css"
    sheet.write_text("p { color: red; }")
    page = f'<link rel="stylesheet" href="{settings.SITE_URL}{settings.STATIC_URL}look.css"><p>x</p>'
    first = _with_parsed_stylesheets(page)[1][0]
    sheet.write_text("p { color: blue; font-weight: bold; }")
    second = _with_parsed_stylesheets(page)[1][0]
    assert second is not first


def test_screen_only_and_outside_stylesheets_are_not_taken_into_the_pdf(settings: Any) -> None:
    from europass.core.pdf import _with_parsed_stylesheets

    screen = f'<link rel="stylesheet" href="{settings.SITE_URL}{settings.STATIC_URL}wallet/visual-screen.css" media="screen">'
    outside = '<link rel="stylesheet" href="https://elsewhere.example/look.css">'
    html, sheets = _with_parsed_stylesheets(screen + outside + "<p>x</p>")
    assert sheets == []
    assert "visual-screen" not in html  # a PDF is print: the screen sheet is dropped
    assert outside in html  # left to the renderer's fetcher, which refuses it


@pytest.mark.django_db
def test_a_credential_pdf_rendered_twice_keeps_its_page_rules_and_text(
    production_static: Path, settings: Any, tmp_path: Path
) -> None:
    xml = Sealer(make_demo_pki().seal).seal(example_credential(site=settings.SITE_URL).to_xml())
    texts = [
        _pdf_text(pdf_of_sealed(xml=xml, qr_url=settings.SITE_URL + "/verify/", lang=lang), tmp_path)
        for lang in ("en", "en", "fr")
    ]
    assert texts[0] == texts[1]
    assert (
        texts[0].split()[-1] == "1/1"
    )  # the @page rule of pdf.css (a parsed stylesheet of the portal) numbers the page
    assert "Europass digital credential" in texts[0]
    assert "Attestation numérique Europass" in texts[2]
