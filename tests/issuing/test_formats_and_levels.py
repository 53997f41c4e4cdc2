"""An organisation's credential formats (chosen on its e-seal page or from the command line, audited), the sealed
files an issuer downloads (the batch zip in every format, one credential's PDF, EDC 3 and XML), and the seal level
(SEAL_LEVEL, checked at start-up)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation
from issuing.models import AuditEvent, Batch
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.sealing import credentials_seal
from issuing.services.seals import seal_level
from tests.issuing.conftest import rows_created

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _issue(organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch, count: int = 2) -> Batch:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    monkeypatch.setattr("issuing.services.sealing._enqueue_delivery", lambda ids: None)
    rows = [learner(i) for i in range(1, count + 1)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="cohort.xlsx")
    batch = batch_confirm(batch=batch, actor=staff)
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    batch.refresh_from_db()
    return batch


def test_an_administrator_chooses_edc3_on_the_e_seal_page_and_the_next_batch_is_sealed_in_edc3_only(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = staff_client.get(reverse("issuing:seal", kwargs={"slug": organisation.slug}))
    assert page.status_code == 200
    assert "Formats and seal level" in page.content.decode() and "B-B" in page.content.decode()
    response = staff_client.post(
        reverse("issuing:seal", kwargs={"slug": organisation.slug}),
        {"form": "formats", "credential_formats": "edc3"},
        follow=True,
    )
    assert "From now on, credentials are sealed as: EDC 3 JSON-LD" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.credential_formats == "edc3"
    event = AuditEvent.objects.get(organisation=organisation, action=AuditEvent.Action.FORMATS_CHANGED)
    assert event.details == {"from": "both", "to": "edc3"} and event.actor == staff
    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    assert credential.edc3 and not credential.xml


def test_an_issuer_who_is_not_an_administrator_cannot_change_the_formats(
    organisation: Organisation, client: Client
) -> None:
    issuer = User.objects.create_user("issuer@demo.example", "a-long-Passphrase-42")
    Membership.objects.create(user=issuer, organisation=organisation, role=Membership.Role.ISSUER)
    client.force_login(issuer)
    page = client.get(reverse("issuing:seal", kwargs={"slug": organisation.slug}))
    assert 'name="credential_formats"' not in page.content.decode()  # shown, not offered
    response = client.post(
        reverse("issuing:seal", kwargs={"slug": organisation.slug}),
        {"form": "formats", "credential_formats": "xml"},
    )
    assert response.status_code in (200, 403)
    organisation.refresh_from_db()
    assert organisation.credential_formats == "both"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FORMATS_CHANGED).exists()


def test_staff_of_another_organisation_cannot_see_or_change_its_formats(
    organisation: Organisation, client: Client
) -> None:
    other = Organisation.objects.create(slug="other-school", legal_name="Other School", country="FR")
    outsider = User.objects.create_user("outsider@other.example", "a-long-Passphrase-42")
    Membership.objects.create(user=outsider, organisation=other, role=Membership.Role.ADMIN)
    client.force_login(outsider)
    url = reverse("issuing:seal", kwargs={"slug": organisation.slug})
    assert client.get(url).status_code == 404
    assert client.post(url, {"form": "formats", "credential_formats": "xml"}).status_code == 404
    organisation.refresh_from_db()
    assert organisation.credential_formats == "both"


def test_the_command_line_shows_and_chooses_the_formats_and_refuses_an_unknown_organisation(
    organisation: Organisation,
) -> None:
    out = io.StringIO()
    call_command("credential_formats", "--organisation", organisation.slug, stdout=out)
    assert out.getvalue().startswith(f"{organisation.slug}: both") and "seal level B-B" in out.getvalue()
    out = io.StringIO()
    call_command("credential_formats", "--organisation", organisation.slug, "xml", stdout=out)
    organisation.refresh_from_db()
    assert organisation.credential_formats == "xml" and f"{organisation.slug}: xml" in out.getvalue()
    assert AuditEvent.objects.get(action=AuditEvent.Action.FORMATS_CHANGED).actor_label == "command line"
    with pytest.raises(CommandError, match="No organisation"):
        call_command("credential_formats", "--organisation", "nowhere", "xml")


def test_the_batch_zip_holds_each_credential_in_every_format_it_was_sealed_in(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _issue(organisation, staff, monkeypatch)
    response = staff_client.get(reverse("issuing:batch_zip", kwargs={"public_id": batch.public_id}))
    assert response.status_code == 200 and response.streaming
    assert "cohort-sealed.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    names = sorted(archive.namelist())
    assert [n.rsplit(".", 1)[1] for n in names] == ["jsonld", "xml", "jsonld", "xml"]
    first = batch.credentials.order_by("row_number").first()
    assert first is not None
    assert archive.read(names[0]) == bytes(first.edc3 or b"")
    assert archive.read(names[1]) == bytes(first.xml or b"")


def test_the_issuer_downloads_one_credential_as_pdf_edc3_and_xml_and_an_outsider_gets_none(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    page = staff_client.get(reverse("issuing:credential", kwargs={"public_id": credential.public_id}))
    for name in ("credential_pdf", "credential_edc3", "credential_xml"):
        url = reverse(f"issuing:{name}", kwargs={"public_id": credential.public_id})
        assert url in page.content.decode()
    edc3 = staff_client.get(reverse("issuing:credential_edc3", kwargs={"public_id": credential.public_id}))
    assert edc3.content == bytes(credential.edc3 or b"") and edc3["Content-Type"] == "application/ld+json"
    pdf = staff_client.get(reverse("issuing:credential_pdf", kwargs={"public_id": credential.public_id}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    outsider = User.objects.create_user("outsider@other.example", "a-long-Passphrase-42")
    staff_client.force_login(outsider)
    for name in ("credential_pdf", "credential_edc3", "credential_xml"):
        url = reverse(f"issuing:{name}", kwargs={"public_id": credential.public_id})
        assert staff_client.get(url).status_code == 404


def _django_setup(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DEBUG": "true", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_seal_level_that_needs_a_time_stamping_authority_without_one_stops_the_start_with_the_reason() -> (
    None
):
    started = _django_setup(SEAL_LEVEL="B-LT", TSA_URL="")
    assert started.returncode != 0
    assert "SEAL_LEVEL=B-LT needs a time-stamping authority: set TSA_URL." in started.stderr
    started = _django_setup(SEAL_LEVEL="B-X", TSA_URL="")
    assert started.returncode != 0 and "SEAL_LEVEL must be B-B, B-T, B-LT or B-LTA" in started.stderr


def test_the_seal_level_is_b_t_with_a_time_stamping_authority_and_b_b_without(settings: Any) -> None:
    settings.SEAL_LEVEL, settings.TSA_URL = "", ""
    assert seal_level() == "B-B"
    settings.TSA_URL = "http://tsa.example/"
    assert seal_level() == "B-T"
    settings.SEAL_LEVEL = "B-LTA"
    assert seal_level() == "B-LTA"


def test_the_api_list_of_a_batch_says_each_credential_s_formats_without_loading_the_documents(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    batch = _issue(organisation, staff, monkeypatch, count=3)
    api = APIClient()
    api.force_authenticate(staff)
    with CaptureQueriesContext(connection) as queries:
        listed = api.get(f"/api/v1/issuing/batches/{batch.public_id}/credentials")
    assert listed.status_code == 200
    assert [c["formats"] for c in listed.json()] == [["xml", "edc3"]] * 3
    listing = next(q["sql"] for q in queries.captured_queries if "issuing_issuedcredential" in q["sql"])
    assert '"xml"' not in listing.split("FROM")[0].replace('"xml" IS NOT NULL', "")
