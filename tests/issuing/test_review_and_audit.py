"""Before sealing, the whole sheet is reviewed; a revocation is confirmed; the issuer's page of one credential shows
it as its holder sees it, with its status and history; the audit log says who did what to whom, filtered and
linked."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import AuditEvent, Batch, IssuedCredential
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.revocation import credential_revoke
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import rows_created

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db


def _validated(organisation: Organisation, staff: User, n: int, *, first: int = 1, **extra: object) -> Batch:
    rows = [learner(i, **extra) for i in range(first, first + n)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="cohort.xlsx")
    assert batch.status == Batch.Status.VALIDATED
    return batch


def _sealed(
    organisation: Organisation, staff: User, n: int, monkeypatch: pytest.MonkeyPatch, *, first: int = 1
) -> Batch:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(batch=_validated(organisation, staff, n, first=first), actor=staff)
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    return batch


def _review_rows(page: str) -> list[str]:
    table = re.search(r'data-testid="review-table">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert table is not None
    return re.findall(r"<tr><td[^>]*>(\d+)</td>", table.group(1))


# --- the review before sealing ---------------------------------------------------------------------------------


def test_a_validated_sheet_shows_every_row_50_a_page_with_the_count_the_qualification_and_the_preview(
    organisation: Organisation, staff: User, staff_client: Client
) -> None:
    batch = _validated(organisation, staff, 60)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "60 credentials, one per row" in page
    qualifications = re.search(r'data-testid="review-qualifications">(.*?)</ul>', page, re.S)
    assert qualifications and "Bachelor of Computer Science" in qualifications.group(1)
    assert "DEMO-BACHELOR-CS" in qualifications.group(1) and "60 credentials" in qualifications.group(1)
    assert _review_rows(page) == [str(n) for n in range(2, 52)]  # sheet rows 2… (row 1 is the header)
    assert "Rows 1 to 50 of 60" in page and "Pereira 1<" in page and "learner1@example.org" in page
    assert "Preview of the first credential" in page and "credential-visual" in page
    assert "Seal 60 credentials" in page
    second = staff_client.get(f"/issuing/batches/{batch.public_id}/", {"page": 2}).content.decode()
    assert _review_rows(second) == [str(n) for n in range(52, 62)] and "Rows 51 to 60 of 60" in second


def test_the_review_is_searched_by_name_email_or_learner_id(
    organisation: Organisation, staff: User, staff_client: Client
) -> None:
    batch = _validated(organisation, staff, 30)
    url = f"/issuing/batches/{batch.public_id}/"
    assert _review_rows(staff_client.get(url, {"q": "PEREIRA 17"}).content.decode()) == ["18"]
    assert _review_rows(staff_client.get(url, {"q": "learner23@"}).content.decode()) == ["24"]
    assert _review_rows(staff_client.get(url, {"q": "S-00005"}).content.decode()) == ["6"]
    nothing = staff_client.get(url, {"q": "nobody"}).content.decode()
    # The search narrows the table only: the whole sheet is still what is sealed.
    assert "No row matches." in nothing and "Seal 30 credentials" in nothing


def test_the_review_speaks_french(organisation: Organisation, staff: User, staff_client: Client) -> None:
    batch = _validated(organisation, staff, 2)
    staff_client.cookies["django_language"] = "fr"
    with translation.override("en"):
        page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "2 attestations, une par ligne" in page and "Ce qui sera scellé" in page
    assert "Lignes 1 à 2 sur 2" in page and "Certifications délivrées" in page


# --- revocation, confirmed --------------------------------------------------------------------------------------


def test_a_revocation_needs_its_box_ticked_and_a_reason_then_it_is_done_and_recorded(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed(organisation, staff, 1, monkeypatch)
    credential = batch.credentials.get()
    url = f"/issuing/credentials/{credential.public_id}/"
    page = staff_client.get(url).content.decode()
    assert re.search(r'<input type="checkbox" name="confirm"[^>]*required', page)
    assert "I understand that a revocation cannot be undone." in page
    refused = staff_client.post(url, {"reason": "Awarded in error"})
    assert refused.status_code == 400
    assert (
        "Tick the box to confirm that this credential is to be revoked for good." in refused.content.decode()
    )
    credential.refresh_from_db()
    assert credential.status == IssuedCredential.Status.SEALED
    done = staff_client.post(url, {"reason": "Awarded in error", "confirm": "on"}, follow=True)
    credential.refresh_from_db()
    assert credential.status == IssuedCredential.Status.REVOKED
    assert "The credential is revoked." in done.content.decode()


# --- the issuer's view of one credential ------------------------------------------------------------------------


def test_the_credential_page_shows_it_as_its_holder_sees_it_with_its_status_downloads_and_history(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed(organisation, staff, 1, monkeypatch)
    credential = batch.credentials.get()
    url = f"/issuing/credentials/{credential.public_id}/"
    page = staff_client.get(url).content.decode()
    assert "credential-visual" in page and "Bachelor of Computer Science" in page and "Ana Pereira 1" in page
    assert "Sealed and valid: verifiers accept it." in page
    assert 'data-status="valid"' in page  # the visual's own badge
    for download in ("credential.pdf", "credential.xml"):
        assert f"{url}{download}" in page
    history = re.search(r'data-testid="history">(.*?)</table>', page, re.S)
    assert history is not None
    for said in ("Uploaded a sheet", "Confirmed a batch", "Sealing finished", "1 sealed"):
        assert said in history.group(1)
    credential_revoke(credential=credential, actor=staff, reason="Awarded in error")
    page = staff_client.get(url).content.decode()
    assert 'data-status="revoked"' in page and "Revoked on" in page
    assert "Revoke this credential" not in page
    history = re.search(r'data-testid="history">(.*?)</table>', page, re.S)
    assert (
        history
        and "Revoked a credential" in history.group(1)
        and "Reason: Awarded in error" in history.group(1)
    )
    assert "staff@demo.example" in history.group(1)


def test_a_credential_not_sealed_yet_shows_how_it_will_look(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(batch=_validated(organisation, staff, 1), actor=staff)
    credential = batch.credentials.get()
    page = staff_client.get(f"/issuing/credentials/{credential.public_id}/").content.decode()
    assert "As it will be issued" in page and "credential-visual" in page
    assert "Waiting for the workers to seal it." in page and "credential.pdf" not in page


# --- the audit log -----------------------------------------------------------------------------------------------


def test_the_audit_log_names_the_learner_the_reason_and_links_the_credential_and_the_batch(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed(organisation, staff, 2, monkeypatch)
    credential = batch.credentials.order_by("row_number").first()
    assert credential is not None
    credential_revoke(credential=credential, actor=staff, reason="Awarded in error")
    page = staff_client.get("/issuing/o/demo/audit/").content.decode()
    rows = re.search(r'data-testid="audit">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert rows is not None
    revoked = rows.group(1).split("</tr>")[0]  # newest first
    assert "Revoked a credential" in revoked and "Reason: Awarded in error" in revoked
    assert f'href="/issuing/credentials/{credential.public_id}/">Ana Pereira 1</a>' in revoked
    assert "Bachelor of Computer Science" in revoked and "staff@demo.example" in revoked
    assert "urn:uuid:" not in rows.group(1)  # no raw ids
    assert f'href="/issuing/batches/{batch.public_id}/">cohort.xlsx</a>' in rows.group(1)
    assert "Uploaded a sheet" in rows.group(1) and "2 rows, no problem" in rows.group(1)
    assert "The portal" in rows.group(1)  # "sealing finished" is the workers' doing


def test_the_audit_log_names_a_seal_by_its_name_and_formats_by_their_names_not_by_codes(
    organisation: Organisation, staff_client: Client
) -> None:
    AuditEvent.objects.create(
        organisation=organisation,
        actor_label="admin@demo.example",
        action=AuditEvent.Action.SEAL_CHANGED,
        target="CN=Demo University e-seal,2.5.4.97=VATFR-12345678901,O=Demo University,C=FR",
        details={"fingerprint": "ab" * 32, "not_after": "2028-12-01T10:00:00+00:00"},
    )
    AuditEvent.objects.create(
        organisation=organisation,
        actor_label="admin@demo.example",
        action=AuditEvent.Action.FORMATS_CHANGED,
        target="both",
        details={"from": "xml", "to": "both"},
    )
    page = staff_client.get("/issuing/o/demo/audit/").content.decode()
    rows = re.search(r'data-testid="audit">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert rows is not None
    assert "Demo University e-seal" in rows.group(1) and "2.5.4.97" not in rows.group(1)
    assert "Certificate valid until 1 December 2028" in rows.group(1)
    assert "From Europass XML (ELM v2, XAdES seal) to Both: EDC 3 JSON-LD and Europass XML" in rows.group(1)


def test_the_audit_log_is_filtered_by_action_and_by_text_and_paged(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed(organisation, staff, 3, monkeypatch)
    for credential in batch.credentials.order_by("row_number")[:2]:
        credential_revoke(credential=credential, actor=staff, reason=f"Mistake for {credential.learner_id}")
    url = "/issuing/o/demo/audit/"

    def listed(**query: str) -> list[str]:
        page = staff_client.get(url, query).content.decode()
        rows = re.search(r'data-testid="audit">.*?<tbody>(.*?)</tbody>', page, re.S)
        assert rows is not None
        return re.findall(r"<td data-label=\"What\">([^<]+)</td>", rows.group(1))

    assert listed(action="revoked") == ["Revoked a credential", "Revoked a credential"]
    assert listed(q="pereira 2") == ["Revoked a credential"]  # the holder
    assert listed(q="S-00001") == ["Revoked a credential"]  # the reason
    assert listed(q="cohort") == ["Sealing finished", "Confirmed a batch", "Uploaded a sheet"]  # the file
    assert listed(action="uploaded", q="cohort") == ["Uploaded a sheet"]
    assert "Nothing matches." in staff_client.get(url, {"q": "nobody"}).content.decode()
    assert listed(action="not-an-action") == listed()  # an unknown action is no filter
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organisation=organisation, actor_label="x@example.org", action="uploaded", target=f"s{i}.csv"
        )
        for i in range(60)
    )
    first = staff_client.get(url, {"action": "uploaded"}).content.decode()
    assert "1 / 2" in first and "page=2&amp;action=uploaded&amp;q=" in first
    assert len(listed(action="uploaded", page="2")) == 61 - 50


def test_the_audit_log_reads_a_page_in_a_bounded_number_of_queries(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get("/issuing/o/demo/audit/").status_code == 200
        return len(captured)

    batch = _sealed(organisation, staff, 2, monkeypatch)
    credential_revoke(credential=batch.credentials.order_by("row_number")[0], actor=staff, reason="One")
    few = queries()
    more = _sealed(organisation, staff, 12, monkeypatch, first=50)
    for credential in more.credentials.all():
        credential_revoke(credential=credential, actor=staff, reason="Many")
    assert queries() == few  # a credential and a batch more per row: still one query for each kind


def test_the_audit_log_speaks_french(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _sealed(organisation, staff, 1, monkeypatch)
    credential_revoke(credential=batch.credentials.get(), actor=staff, reason="Erreur")
    staff_client.cookies["django_language"] = "fr"
    with translation.override("en"):
        page = staff_client.get("/issuing/o/demo/audit/").content.decode()
    assert "Motif : Erreur" in page and "1 ligne, aucun problème" in page
