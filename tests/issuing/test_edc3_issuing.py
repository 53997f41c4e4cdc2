"""EDC 3 issuing end to end: an organisation's formats, the batch sealing both documents, delivery of both to the
wallet, downloads, the PDF carrying both, upload elsewhere, the API and the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from europass.accounts.models import Membership, User
from europass.credentials.elm3 import credential_from_elm3
from europass.registry.models import Organisation
from europass.registry.selectors import trust_store
from europass.sealing.verify import verify
from issuing.models import Batch, IssuedCredential
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.delivery import credentials_deliver
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import rows_created
from wallet.models import WalletCredential
from wallet.services import credential_upload

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def _verified_citizen(email: str) -> User:
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email, "a-long-Passphrase-42")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _issue(organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch, count: int = 2) -> Batch:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    monkeypatch.setattr("issuing.services.sealing._enqueue_delivery", lambda ids: None)
    rows = [learner(i, grade="Très bien" if i == 1 else None) for i in range(1, count + 1)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="cohort.xlsx")
    batch = batch_confirm(batch=batch, actor=staff)
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    batch.refresh_from_db()
    return batch


def _checks(report: object) -> dict[str, str]:
    return {c.code: str(getattr(c.status, "value", c.status)) for c in report.checks}  # type: ignore[attr-defined]


def test_an_organisation_issuing_both_formats_seals_each_credential_in_xml_and_edc3_and_both_verify(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert organisation.credential_formats == Organisation.CredentialFormats.BOTH  # the demo issues both
    batch = _issue(organisation, staff, monkeypatch)
    assert batch.status == Batch.Status.DONE
    credential = batch.credentials.order_by("row_number").first()
    assert credential is not None and credential.status == IssuedCredential.Status.SEALED
    assert credential.xml and credential.edc3
    for document in (bytes(credential.xml or b""), bytes(credential.edc3 or b"")):
        report = verify(document, trust_store())
        assert report.valid, [c.to_dict() for c in report.checks]
        assert _checks(report)["seal_intact"] == "passed"
    sealed = json.loads(bytes(credential.edc3 or b""))
    assert sealed["signatures"][0]["protected"] and isinstance(sealed["payload"], str)
    payload = json.loads(sealed["payload"])
    assert payload["id"] == credential.credential_id
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == organisation.legal_identifier
    read = credential_from_elm3(payload)
    assert read.holder.email == "learner1@example.org"
    assert read.status is not None and read.status.index == credential.status_index
    assert read.achievements[0].grade == "Très bien"


def test_one_changed_byte_in_an_issued_edc3_document_fails_its_seal(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    sealed = json.loads(bytes(credential.edc3 or b""))
    sealed["payload"] = sealed["payload"].replace("Pereira 1", "Pereira 7", 1)
    report = verify(json.dumps(sealed).encode(), trust_store())
    assert not report.valid and _checks(report)["seal_intact"] == "failed"


def test_an_organisation_issuing_edc3_only_stores_no_xml_and_its_holder_receives_the_edc3_document(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    Organisation.objects.filter(pk=organisation.pk).update(credential_formats="edc3")
    holder = _verified_citizen("learner1@example.org")
    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    assert credential.xml is None and credential.edc3
    assert credentials_deliver(credential_ids=[credential.pk]) == 1
    held = WalletCredential.objects.get(owner=holder)
    assert held.document_format == WalletCredential.Format.EDC3_JSONLD and not held.companion
    assert held.document == bytes(credential.edc3 or b"")
    client = Client()
    client.force_login(holder)
    assert client.get(reverse("wallet:xml", kwargs={"public_id": held.public_id})).status_code == 404
    download = client.get(reverse("wallet:jsonld", kwargs={"public_id": held.public_id}))
    assert download.status_code == 200 and _content(download) == bytes(credential.edc3 or b"")


def test_an_organisation_issuing_xml_only_seals_no_edc3_document(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    Organisation.objects.filter(pk=organisation.pk).update(credential_formats="xml")
    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    assert credential.xml and not credential.edc3


def _content(response: object) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


def test_an_edc3_credential_is_issued_delivered_downloaded_uploaded_elsewhere_and_verified(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = _verified_citizen("learner1@example.org")
    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    assert credentials_deliver(credential_ids=[credential.pk]) == 1
    held = WalletCredential.objects.get(owner=holder)
    assert held.formats == ["elm2-xml", "edc3-jsonld"]
    client = Client()
    client.force_login(holder)
    page = client.get(reverse("wallet:detail", kwargs={"public_id": held.public_id})).content.decode()
    assert (
        reverse("wallet:xml", kwargs={"public_id": held.public_id}) in page
        and reverse("wallet:jsonld", kwargs={"public_id": held.public_id}) in page
    )
    xml = _content(client.get(reverse("wallet:xml", kwargs={"public_id": held.public_id})))
    edc3 = _content(client.get(reverse("wallet:jsonld", kwargs={"public_id": held.public_id})))
    assert xml == bytes(credential.xml or b"") and edc3 == bytes(
        credential.edc3 or b""
    )  # byte for byte, both sealed files

    # The PDF carries both sealed files; the verifier reads the XML from it.
    pdf = _content(client.get(reverse("wallet:pdf", kwargs={"public_id": held.public_id})))
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert attachments["credential.xml"] == [bytes(credential.xml or b"")]
    assert attachments["credential.jsonld"] == [bytes(credential.edc3 or b"")]

    # Somebody else (an employer keeping what they were sent) uploads the EDC 3 file to their own wallet.
    employer = User.objects.create_user("hr@employer.example", "a-long-Passphrase-42")
    result = credential_upload(owner=employer, data=edc3, filename="credential.jsonld")
    assert result.report.valid, [c.to_dict() for c in result.report.checks]
    assert result.credential.document_format == WalletCredential.Format.EDC3_JSONLD

    # And the public verifier accepts the downloaded file.
    response = Client().post(
        "/api/v1/verify",
        data={"file": io.BytesIO(edc3)},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["verdict"] != "failed"


def test_the_api_gives_the_sealed_edc3_document_to_its_organisation_only(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.test import APIClient

    credential = _issue(organisation, staff, monkeypatch, count=1).credentials.get()
    api = APIClient()
    api.force_authenticate(staff)
    detail = api.get(f"/api/v1/issuing/credentials/{credential.public_id}")
    assert detail.status_code == 200 and detail.json()["formats"] == ["xml", "edc3"]
    sealed = api.get(f"/api/v1/issuing/credentials/{credential.public_id}/edc3")
    assert sealed.status_code == 200 and sealed["Content-Type"] == "application/ld+json"
    assert sealed.content == bytes(credential.edc3 or b"")

    other = Organisation.objects.create(
        slug="other", legal_name="Other School", legal_identifier="X", country="FR"
    )
    outsider = User.objects.create_user("staff@other.example", "a-long-Passphrase-42", is_staff=True)
    Membership.objects.create(user=outsider, organisation=other, role=Membership.Role.ADMIN)
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/issuing/credentials/{credential.public_id}/edc3").status_code == 404


def test_the_command_line_writes_an_edc3_example_and_seals_it_in_edc3(
    organisation: Organisation, tmp_path: Path
) -> None:
    example = tmp_path / "example.jsonld"
    call_command("credential_example", "--format", "edc3", "-o", str(example), stdout=io.StringIO())
    payload = json.loads(example.read_text(encoding="utf-8"))
    assert "https://www.w3.org/2018/credentials/v1" in payload["@context"]
    sealed = tmp_path / "sealed.jsonld"
    call_command(
        "credential_seal",
        str(example),
        "--organisation",
        organisation.slug,
        "--format",
        "edc3",
        "-o",
        str(sealed),
        stdout=io.StringIO(),
    )
    document = sealed.read_bytes()
    assert json.loads(document)["payload"] == example.read_text(
        encoding="utf-8"
    )  # sealed as given, byte for byte
    report = verify(document, trust_store())
    assert _checks(report)["seal_intact"] == "passed", [c.to_dict() for c in report.checks]

    # An XML credential can be sealed in EDC 3 too (converted); a JSON one cannot be sealed as XML.
    xml = tmp_path / "example.xml"
    call_command("credential_example", "-o", str(xml), stdout=io.StringIO())
    converted = tmp_path / "converted.jsonld"
    call_command(
        "credential_seal",
        str(xml),
        "--organisation",
        organisation.slug,
        "--format",
        "edc3",
        "-o",
        str(converted),
        stdout=io.StringIO(),
    )
    assert _checks(verify(converted.read_bytes(), trust_store()))["seal_intact"] == "passed"
    with pytest.raises(CommandError, match="--format edc3"):
        call_command(
            "credential_seal",
            str(example),
            "--organisation",
            organisation.slug,
            "-o",
            str(tmp_path / "x.xml"),
        )
