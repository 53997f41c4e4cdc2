"""From an uploaded sheet to sealed, delivered, revocable credentials (services and API; the worker test is separate)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from europass.accounts.models import User
from europass.credentials.model import Credential
from europass.registry.models import Organisation
from europass.registry.selectors import trust_store
from europass.sealing.verify import verify
from europass.status.selectors import decode_list, is_set, status_list_credential
from issuing.models import AuditEvent, Batch, IssuedCredential
from issuing.services.batches import batch_confirm, batch_progress, batch_upload
from issuing.services.revocation import credential_revoke
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import rows_created

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def _seal_all(batch: Batch) -> None:
    ids = list(batch.credentials.values_list("id", flat=True))
    credentials_seal(credential_ids=ids)


def test_a_valid_sheet_is_confirmed_sealed_and_each_credential_verifies(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "issuing.services.batches.enqueue_sealing", rows_created
    )  # the worker test covers the queue
    batch = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(1, 4)]),
        filename="cohort.xlsx",
    )
    assert batch.status == Batch.Status.VALIDATED and batch.total == 3
    batch = batch_confirm(batch=batch, actor=staff)
    assert batch_progress(batch).pending == 3
    _seal_all(batch)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE and batch_progress(batch).sealed == 3
    credential = batch.credentials.order_by("row_number").first()
    assert credential is not None and credential.xml
    report = verify(bytes(credential.xml), trust_store())
    assert report.valid, [c.to_dict() for c in report.checks]
    parsed = Credential.from_xml(bytes(credential.xml))
    assert parsed.holder.email == "learner1@example.org"
    assert parsed.status is not None and parsed.status.index == credential.status_index
    assert parsed.achievements[0].qualification and parsed.achievements[0].qualification.eqf_level == 6
    actions = set(AuditEvent.objects.filter(organisation=organisation).values_list("action", flat=True))
    assert {"uploaded", "confirmed", "sealed"} <= actions


def test_sealing_a_chunk_twice_seals_each_credential_once(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(
        batch=batch_upload(
            organisation=organisation, actor=staff, data=xlsx([learner(1), learner(2)]), filename="a.xlsx"
        ),
        actor=staff,
    )
    ids = list(batch.credentials.values_list("id", flat=True))
    first = credentials_seal(credential_ids=ids)
    xml_before = {c.pk: bytes(c.xml or b"") for c in batch.credentials.all()}
    second = credentials_seal(credential_ids=ids)
    assert (first.sealed, second.sealed, second.skipped) == (2, 0, 2)
    assert xml_before == {c.pk: bytes(c.xml or b"") for c in batch.credentials.all()}


def test_a_sheet_with_errors_issues_nothing_and_cannot_be_confirmed(
    organisation: Organisation, staff: User
) -> None:
    batch = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(1), learner(2, email="nope")]),
        filename="bad.xlsx",
    )
    assert batch.status == Batch.Status.INVALID
    from europass.core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="errors"):
        batch_confirm(batch=batch, actor=staff)
    assert not IssuedCredential.objects.exists()


def test_sealed_credentials_reach_a_verified_citizens_wallet_or_an_email_claim_link(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from allauth.account.models import EmailAddress

    from issuing.services.delivery import credentials_deliver

    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    citizen = User.objects.create_user("learner1@example.org", "a-long-Passphrase-42")
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    batch = batch_confirm(
        batch=batch_upload(
            organisation=organisation, actor=staff, data=xlsx([learner(1), learner(2)]), filename="a.xlsx"
        ),
        actor=staff,
    )
    _seal_all(batch)
    credentials_deliver(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    deliveries = dict(batch.credentials.values_list("holder_email", "delivery"))
    assert deliveries == {"learner1@example.org": "wallet", "learner2@example.org": "emailed"}
    assert len(mail.outbox) == 1 and "learner2@example.org" in mail.outbox[0].to


def test_revocation_is_published_in_the_status_list_at_once(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(
        batch=batch_upload(
            organisation=organisation, actor=staff, data=xlsx([learner(1)]), filename="a.xlsx"
        ),
        actor=staff,
    )
    _seal_all(batch)
    credential = batch.credentials.get()
    credential_revoke(credential=credential, actor=staff, reason="Awarded in error")
    credential.refresh_from_db()
    assert (
        credential.status == IssuedCredential.Status.REVOKED
        and credential.revocation_reason == "Awarded in error"
    )
    bits = decode_list(status_list_credential(credential.status_list)["credentialSubject"]["encodedList"])
    assert is_set(bits, credential.status_index)
    assert AuditEvent.objects.filter(action="revoked", target=credential.credential_id).exists()


def test_the_api_uploads_confirms_reports_progress_and_issues_one_from_json(
    organisation: Organisation, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    monkeypatch.setattr("issuing.tasks.seal_chunk.delay", lambda ids: credentials_seal(credential_ids=ids))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("cohort.xlsx", xlsx([learner(1), learner(2)]))
    response = staff_client.post("/api/v1/issuing/organisations/demo/batches", {"file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "validated" and body["total"] == 2 and body["problems"] == []
    confirmed = staff_client.post(f"/api/v1/issuing/batches/{body['id']}/confirm")
    assert confirmed.status_code == 202 and confirmed.json()["progress"]["pending"] == 2
    bad = SimpleUploadedFile("bad.csv", b"Learner ID,Given name\r\nS-1,Ana\r\n")
    refused = staff_client.post("/api/v1/issuing/organisations/demo/batches", {"file": bad}).json()
    assert refused["status"] == "invalid" and refused["problems"][0]["message"]
    one = staff_client.post(
        "/api/v1/issuing/organisations/demo/credentials",
        {**{k: str(v) for k, v in learner(9).items()}},
        content_type="application/json",
    )
    assert one.status_code == 202, one.content
    detail = staff_client.get(f"/api/v1/issuing/credentials/{one.json()['id']}").json()
    assert detail["status"] == "sealed"
    invalid = staff_client.post(
        "/api/v1/issuing/organisations/demo/credentials",
        {**{k: str(v) for k, v in learner(10, email="x").items()}},
        content_type="application/json",
    )
    assert invalid.status_code == 400 and invalid.json()["problems"][0]["field"] == "email"


def test_the_pages_show_the_problems_then_the_progress(
    organisation: Organisation, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    bad = staff_client.post(
        "/issuing/o/demo/upload/",
        {"sheet": SimpleUploadedFile("bad.xlsx", xlsx([learner(1, email="nope")]))},
        follow=True,
    )
    assert b"Nothing was issued" in bad.content and b"nope" in bad.content
    good = staff_client.post(
        "/issuing/o/demo/upload/", {"sheet": SimpleUploadedFile("good.xlsx", xlsx([learner(1)]))}, follow=True
    )
    assert b"Seal 1 credential" in good.content
    preview = good.content.decode()
    assert "Preview of the first credential" in preview and "credential-visual" in preview
    assert "Bachelor of Computer Science" in preview and "Learning outcomes" in preview
    batch = Batch.objects.get(filename="good.xlsx")
    staff_client.post(f"/issuing/batches/{batch.public_id}/confirm")
    progress = staff_client.get(f"/issuing/batches/{batch.public_id}/progress")
    assert b"hx-get" in progress.content and b"0 of 1 sealed" in progress.content
    _seal_all(batch)
    delivering = staff_client.get(f"/issuing/batches/{batch.public_id}/progress")
    assert b"1 of 1 sealed" in delivering.content and b"hx-get" in delivering.content  # its delivery to come
    batch.credentials.update(delivery="emailed")
    done = staff_client.get(f"/issuing/batches/{batch.public_id}/progress")
    assert b"1 of 1 sealed" in done.content and b"hx-get" not in done.content


def test_a_batch_downloads_at_once_as_a_zip_of_its_sealed_xml_and_edc3_files(
    organisation: Organisation,
    staff: User,
    staff_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import zipfile

    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(
        batch=batch_upload(
            organisation=organisation, actor=staff, data=xlsx([learner(1), learner(2)]), filename="a.xlsx"
        ),
        actor=staff,
    )
    _seal_all(batch)
    url = f"/issuing/batches/{batch.public_id}/credentials.zip"
    response = staff_client.get(url)
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()  # type: ignore[attr-defined]
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["jsonld", "jsonld", "xml", "xml"]
