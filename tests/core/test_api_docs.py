"""The API documentation: one section per face, truthful examples, how to get a token; and the batch list it
documents, used with a token obtained as it says."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from europass.accounts.models import Membership, User
from europass.registry.demo import setup_registry
from europass.registry.models import Organisation
from tests.issuing.conftest import learner, rows_created, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)  # type: ignore[no-any-return]


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_every_operation_sits_in_its_faces_section_and_none_under_v1(schema: dict[str, Any]) -> None:
    expected = {"/api/v1/issuing/": "Issuing", "/api/v1/wallet/": "Wallet", "/api/v1/verify": "Verification"}
    for path, method, operation in _operations(schema):
        assert "v1" not in operation["tags"], (method, path)
        for prefix, tag in expected.items():
            if path.startswith(prefix):
                assert operation["tags"] == [tag], (method, path, operation["tags"])
    names = [tag["name"] for tag in schema["tags"]]
    assert names[:3] == ["Verification", "Issuing", "Wallet"]
    assert all(tag.get("description") for tag in schema["tags"])
    used = {tag for _, _, operation in _operations(schema) for tag in operation["tags"]}
    assert set(names) == used  # no empty section


def test_the_verifiers_422_example_is_a_failed_report_and_its_200_example_a_verified_one(
    schema: dict[str, Any],
) -> None:
    responses = schema["paths"]["/api/v1/verify"]["post"]["responses"]
    failed = [
        example["value"] for example in responses["422"]["content"]["application/json"]["examples"].values()
    ]
    assert failed and all(report["verdict"] == "failed" and report["valid"] is False for report in failed)
    assert all(any(check["status"] == "failed" for check in report["checks"]) for report in failed)
    verified = [
        example["value"] for example in responses["200"]["content"]["application/json"]["examples"].values()
    ]
    assert verified and all(
        report["verdict"] == "verified" and report["valid"] is True for report in verified
    )


def test_the_description_says_how_to_obtain_and_send_a_token(schema: dict[str, Any]) -> None:
    description = schema["info"]["description"]
    assert "Authorization: Token" in description
    assert "manage.py drf_create_token" in description and "/admin/" in description
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_documentation_page_still_loads(client: Client) -> None:
    assert client.get("/api/docs/").status_code == 200


# --- GET /api/v1/issuing/batches, with a token made as the description says --------------------------------


def _token(email: str) -> str:
    out = io.StringIO()
    call_command("drf_create_token", email, stdout=out)
    found = re.search(r"Generated token (\w+) for user", out.getvalue())
    assert found, out.getvalue()
    return found.group(1)


def _api(email: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {_token(email)}")


@pytest.fixture
def school() -> Organisation:
    return setup_registry()


@pytest.fixture
def staff(school: Organisation) -> User:
    user = User.objects.create_user("staff@demo.example", "a-long-Passphrase-42", is_staff=True)
    Membership.objects.create(user=user, organisation=school, role=Membership.Role.ISSUER)
    return user


def _upload(
    api: Client, name: str, rows: list[dict[str, Any]] | None = None, data: bytes | None = None
) -> str:
    upload = SimpleUploadedFile(name, data if data is not None else xlsx(rows or [learner(1)]))
    response = api.post("/api/v1/issuing/organisations/demo/batches", {"file": upload})
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def test_staff_list_their_organisations_batches_newest_first_a_page_at_a_time(staff: User) -> None:
    api = _api(staff.email)
    ids = [_upload(api, f"cohort-{i}.xlsx", [learner(i), learner(i + 10)]) for i in range(3)]
    first = api.get("/api/v1/issuing/batches?page_size=2")
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 3 and body["previous"] is None and body["next"]
    assert [batch["id"] for batch in body["results"]] == [ids[2], ids[1]]
    newest = body["results"][0]
    assert newest["filename"] == "cohort-2.xlsx" and newest["organisation"] == "demo"
    assert newest["status"] == "validated" and newest["total"] == 2
    assert newest["url"] == f"/api/v1/issuing/batches/{ids[2]}"
    detail = api.get(newest["url"]).json()
    assert newest["progress"] == detail["progress"]
    second = api.get(body["next"]).json()
    assert [batch["id"] for batch in second["results"]] == [ids[0]] and second["next"] is None


def test_the_batch_list_filters_by_status_and_organisation(
    staff: User, school: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuing.demo import _demo_seal

    _demo_seal(school)  # sealing needs the organisation's e-seal
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    api = _api(staff.email)
    valid = _upload(api, "valid.xlsx")
    sealing = _upload(api, "sealing.xlsx")
    assert api.post(f"/api/v1/issuing/batches/{sealing}/confirm").status_code == 202
    invalid = _upload(api, "bad.csv", data=b"Learner ID,Given name\r\nS-1,Ana\r\n")

    def listed(query: str) -> list[str]:
        response = api.get(f"/api/v1/issuing/batches?{query}")
        assert response.status_code == 200, response.content
        return [batch["id"] for batch in response.json()["results"]]

    assert listed("status=validated") == [valid]
    assert listed("status=sealing") == [sealing]
    assert listed("status=invalid") == [invalid]
    assert listed("status=done") == []
    assert listed("organisation=demo") == [invalid, sealing, valid]
    refused = api.get("/api/v1/issuing/batches?status=finished")
    assert refused.status_code == 400 and refused.json()["error"] == "unknown_status"
    assert "validated" in refused.json()["detail"]


def test_the_batch_list_shows_no_other_organisations_batches(staff: User, school: Organisation) -> None:
    _upload(_api(staff.email), "ours.xlsx")
    other = Organisation.objects.create(
        slug="other", legal_name="Other School", legal_identifier="VATBE-2", country="BE"
    )
    outsider = User.objects.create_user("outsider@other.example", "a-long-Passphrase-42", is_staff=True)
    Membership.objects.create(user=outsider, organisation=other, role=Membership.Role.ADMIN)
    api = _api(outsider.email)
    assert api.get("/api/v1/issuing/batches").json()["count"] == 0
    assert api.get("/api/v1/issuing/batches?organisation=demo").status_code == 404
    citizen = User.objects.create_user("citizen@example.org", "a-long-Passphrase-42")
    assert _api(citizen.email).get("/api/v1/issuing/batches").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_batch_list_asks_for_a_token(client: Client, staff: User) -> None:
    assert client.get("/api/v1/issuing/batches").status_code == 401
    wrong = Client(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert wrong.get("/api/v1/issuing/batches").status_code == 401
