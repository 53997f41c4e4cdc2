"""The public register: one address per qualification and per awarding body, HTML for people, JSON for machines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from europass.registry.demo import setup_registry
from europass.registry.models import Accreditation, Organisation, Qualification

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def register() -> Organisation:
    organisation = setup_registry()
    other = Organisation.objects.create(
        slug="lyon-vet",
        legal_name="Lycée professionnel de Lyon",
        legal_identifier="FR-UAI-0690000A",
        country="FR",
    )
    Accreditation.objects.create(
        organisation=other,
        qualification=Qualification.objects.get(code="DEMO-VET-WELDING"),
        valid_from=dt.date(2015, 9, 1),
        valid_until=dt.date(2019, 8, 31),
    )
    return organisation


def test_a_qualification_answers_json_to_machines_with_its_awarding_bodies(
    client: Client, register: Organisation
) -> None:
    response = client.get("/registry/qualifications/DEMO-VET-WELDING", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "Accept" in response["Vary"]
    document: dict[str, Any] = response.json()
    assert document["code"] == "DEMO-VET-WELDING"
    assert document["uri"].endswith("/registry/qualifications/DEMO-VET-WELDING")
    assert document["titles"] == {
        "en": "Vocational certificate in welding",
        "fr": "Certificat professionnel de soudeur",
    }
    assert document["eqf_level"] == 4 and document["nqf_level"] == "4" and document["isced_f_code"] == "0715"
    assert document["credits"] is None and document["status"] == "active"
    assert len(document["learning_outcomes"]) == 3 and document["learning_outcomes"][0]["fr"].startswith(
        "Souder"
    )
    assert document["awarding_bodies"] == [
        {
            "name": "Demo University",
            "uri": register.uri,
            "legal_identifier": "VATFR-12345678901",
            "country": "FR",
            "valid_from": "2020-01-01",
            "valid_until": None,
        },
        {
            "name": "Lycée professionnel de Lyon",
            "uri": Organisation.objects.get(slug="lyon-vet").uri,
            "legal_identifier": "FR-UAI-0690000A",
            "country": "FR",
            "valid_from": "2015-09-01",
            "valid_until": "2019-08-31",
        },
    ]


def test_a_browser_gets_the_same_qualification_as_a_page_in_its_language(
    client: Client, register: Organisation
) -> None:
    response = client.get("/registry/qualifications/DEMO-BACHELOR-CS", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    page = response.content.decode()
    assert (
        "Bachelor of Computer Science" in page
        and "Demo University" in page
        and "/registry/organisations/demo" in page
    )
    french = client.get(
        "/registry/qualifications/DEMO-BACHELOR-CS", HTTP_ACCEPT=BROWSER_ACCEPT, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Licence d&#x27;informatique" in french.content.decode()


def test_format_json_in_the_address_also_gives_json(client: Client, register: Organisation) -> None:
    response = client.get("/registry/qualifications/DEMO-MASTER-DATA?format=json")
    assert response.json()["credits"] == 120.0


def test_an_unknown_qualification_is_a_404_page(client: Client, register: Organisation) -> None:
    assert client.get("/registry/qualifications/NO-SUCH", HTTP_ACCEPT="application/json").status_code == 404


def test_an_organisation_page_lists_its_accreditations_as_html_and_json(
    client: Client, register: Organisation
) -> None:
    document = client.get("/registry/organisations/demo", HTTP_ACCEPT="application/json").json()
    assert document["uri"] == register.uri and document["legal_identifier"] == "VATFR-12345678901"
    assert document["names"]["fr"] == "Université de démonstration"
    assert [a["qualification"] for a in document["accreditations"]] == [
        "DEMO-BACHELOR-CS",
        "DEMO-MASTER-DATA",
        "DEMO-VET-WELDING",
    ]
    assert document["accreditations"][0]["valid_from"] == "2020-01-01"
    page = client.get("/registry/organisations/lyon-vet", HTTP_ACCEPT=BROWSER_ACCEPT).content.decode()
    assert "Lycée professionnel de Lyon" in page and "DEMO-VET-WELDING" in page and "ended" in page


def test_the_list_searches_titles_and_filters_by_eqf_level(client: Client, register: Organisation) -> None:
    by_title = client.get("/registry/qualifications/", {"q": "data science"}).content.decode()
    assert "DEMO-MASTER-DATA" in by_title and "DEMO-VET-WELDING" not in by_title
    level_4 = client.get("/registry/qualifications/", {"eqf": "4"}).content.decode()
    assert "DEMO-VET-WELDING" in level_4 and "DEMO-BACHELOR-CS" not in level_4


def test_the_pages_take_a_fixed_number_of_queries_however_large_the_register(
    client: Client, register: Organisation, django_assert_max_num_queries: Any
) -> None:
    organisation = Organisation.objects.get(slug="demo")
    for number in range(60):
        qualification = Qualification.objects.create(
            code=f"BULK-{number:03}", title={"en": f"Bulk {number}"}, eqf_level=5
        )
        Accreditation.objects.create(
            organisation=organisation, qualification=qualification, valid_from=dt.date(2021, 1, 1)
        )
    with django_assert_max_num_queries(6):
        response = client.get("/registry/qualifications/", {"eqf": "5", "page": "2"})
    assert "BULK-050" in response.content.decode() and "Page 2 of 2" in response.content.decode()
    with django_assert_max_num_queries(6):
        client.get("/registry/organisations/demo")
    with django_assert_max_num_queries(6):
        client.get("/registry/qualifications/DEMO-BACHELOR-CS", HTTP_ACCEPT="application/json")
