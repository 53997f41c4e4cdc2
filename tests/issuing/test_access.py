"""Staff of another organisation get 404 on every batch and credential URL and API; anonymous users get nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation, Qualification
from europass.status.services import status_allocate
from issuing.models import Batch, BatchExport, IssuedCredential
from issuing.services.exports import export_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, object]:
    mine = Organisation.objects.create(
        slug="mine", legal_name="Mine", legal_identifier="VATFR-1", country="FR"
    )
    theirs = Organisation.objects.create(
        slug="theirs", legal_name="Theirs", legal_identifier="VATBE-2", country="BE"
    )
    qualification = Qualification.objects.create(code="Q-1", title={"en": "Q"}, eqf_level=5)
    batch = Batch.objects.create(
        organisation=theirs, filename="theirs.xlsx", status=Batch.Status.DONE, total=1
    )
    allocation = status_allocate(organisation=theirs, count=1)[0]
    credential = IssuedCredential.objects.create(
        organisation=theirs,
        batch=batch,
        row_number=2,
        qualification=qualification,
        holder_email="x@example.org",
        holder_name="Secret Holder",
        award_date=dt.date(2024, 6, 1),
        status=IssuedCredential.Status.SEALED,
        status_list=allocation.status_list,
        status_index=allocation.start,
        xml=b"<secret/>",
    )
    export = BatchExport.objects.create(
        batch=batch, status=BatchExport.Status.READY, total=1, rendered=1, parts_total=1, parts_done=1
    )
    export_file(export).parent.mkdir(parents=True, exist_ok=True)
    export_file(export).write_bytes(b"Secret Holder")
    outsider = User.objects.create_user("staff@mine.example", "pw-long-enough-42")
    Membership.objects.create(user=outsider, organisation=mine, role=Membership.Role.ADMIN)
    return {
        "mine": mine,
        "theirs": theirs,
        "batch": batch,
        "credential": credential,
        "outsider": outsider,
        "export": export,
    }


def _issuing_urls(world: dict[str, object]) -> list[tuple[str, str]]:
    """Every issuing page and API URL, filled with the other organisation's objects."""
    batch, credential, theirs = world["batch"], world["credential"], world["theirs"]
    values = {
        "slug": theirs.slug,  # type: ignore[attr-defined]
        "fmt": "xlsx",
        "action": "cancel",
        "export_id": str(world["export"].public_id),  # type: ignore[attr-defined]
    }
    urls: list[tuple[str, str]] = []
    from issuing import api_urls
    from issuing import urls as page_urls

    for module, prefix in ((page_urls, "issuing:"), (api_urls, "")):
        for pattern in module.urlpatterns:
            assert isinstance(pattern, URLPattern)
            kwargs: dict[str, str] = {}
            for name in pattern.pattern.converters:
                if name == "public_id":
                    target = credential if "credential" in str(pattern.name) else batch
                    kwargs[name] = str(getattr(target, "public_id"))
                else:
                    kwargs[name] = values[name]
            urls.append((str(pattern.name), reverse(prefix + str(pattern.name), kwargs=kwargs)))
    return urls


def test_every_issuing_url_is_covered_by_the_access_matrix(world: dict[str, object]) -> None:
    names = {name for name, _ in _issuing_urls(world)}
    assert {"dashboard", "batch", "credential", "issuing-api-batch", "issuing-api-credential-revoke"} <= names
    assert {"batch_export", "batch_export_download", "issuing-api-batch-export-zip"} <= names


def test_staff_of_another_organisation_get_404_on_every_batch_and_credential_url(
    client: Client, world: dict[str, object]
) -> None:
    client.force_login(world["outsider"])  # type: ignore[arg-type]
    for name, url in _issuing_urls(world):
        if name in (
            "dashboard",
            "issuing-api-batches",
        ):  # the caller's own organisations: an outsider sees none
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (method, url, response.status_code)
            assert b"Secret Holder" not in response.content and b"<secret/>" not in response.content
    credential = world["credential"]
    credential.refresh_from_db()  # type: ignore[attr-defined]
    assert credential.status == IssuedCredential.Status.SEALED  # type: ignore[attr-defined]
    batch = world["batch"]
    batch.refresh_from_db()  # type: ignore[attr-defined]
    assert batch.status == Batch.Status.DONE  # type: ignore[attr-defined]
    assert BatchExport.objects.count() == 1  # nothing prepared for the outsider


def test_anonymous_visitors_are_sent_to_sign_in_or_refused_on_every_issuing_url(
    client: Client, world: dict[str, object]
) -> None:
    for _name, url in _issuing_urls(world):
        response = client.get(url)
        assert response.status_code in (302, 401, 403), (url, response.status_code)
        if response.status_code == 302:
            assert reverse("account_login") in response.headers["Location"]


def test_an_unknown_or_malformed_id_is_404_not_500(client: Client, world: dict[str, object]) -> None:
    client.force_login(world["outsider"])  # type: ignore[arg-type]
    for url in (
        f"/issuing/batches/{uuid.uuid4()}/",
        "/issuing/batches/not-a-uuid/",
        "/api/v1/issuing/credentials/1",
    ):
        assert client.get(url).status_code == 404
