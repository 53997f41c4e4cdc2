"""The issuer's face in a real browser, with a real Celery worker sealing behind it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def _fill(template: Path, rows: list[list[Any]]) -> Path:
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["Credentials"]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = template.with_name("filled.xlsx")
    buffer = io.BytesIO()
    workbook.save(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def _login(page: Any, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill("issuer@demo.europass.test")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_demo_staff_uploads_a_bad_sheet_then_a_good_one_and_watches_the_bar_reach_100(
    live_server: Any, page: Any, tmp_path: Path, celery_worker_process: Any, settings: Any
) -> None:
    settings.DEBUG = True
    call_command("demo_setup")
    _login(page, live_server.url)
    page.goto(live_server.url + "/issuing/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Template (XLSX)").first.click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    # Column order follows the template's header row.
    header = [cell.value for cell in openpyxl.load_workbook(template)["Credentials"][1]]

    def row(**values: Any) -> list[Any]:
        return [values.get(name) for name in header]

    good = {
        "Learner ID": "S-1",
        "Given name": "Ana",
        "Family name": "Pereira",
        "Date of birth": dt.date(2000, 1, 2),
        "Email": "ana@example.org",
        "Qualification code": "DEMO-BACHELOR-CS",
        "Award date": dt.date(2024, 6, 30),
    }
    bad_sheet = _fill(template, [row(**{**good, "Email": "not-an-email", "Qualification code": "NOPE"})])
    page.get_by_role("link", name="Upload a spreadsheet").first.click()
    page.get_by_label("Spreadsheet (XLSX, ODS or CSV)").set_input_files(str(bad_sheet))
    page.get_by_role("button", name="Check the sheet").click()
    assert page.get_by_text("Nothing was issued").is_visible()
    assert page.get_by_role("cell", name="not-an-email").is_visible()

    rows = [row(**{**good, "Learner ID": f"S-{i}", "Email": f"learner{i}@example.org"}) for i in range(1, 6)]
    good_sheet = _fill(template, rows)
    page.goto(live_server.url + "/issuing/o/demo/upload/")
    page.get_by_label("Spreadsheet (XLSX, ODS or CSV)").set_input_files(str(good_sheet))
    page.get_by_role("button", name="Check the sheet").click()
    page.get_by_role("button", name="Seal 5 credentials").click()
    page.get_by_test_id("done").wait_for(timeout=60_000)
    assert page.locator("progress").get_attribute("value") == "5"
    assert "5 of 5 sealed" in page.locator("#progress").inner_text()
