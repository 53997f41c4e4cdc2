"""A realistic demo credential: the demo university, a demo learner, the demo bachelor (used by CLI, tests, bench)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .model import (
    Achievement,
    Address,
    AwardingBody,
    Credential,
    Holder,
    LearningOutcome,
    MultilingualText,
    Qualification,
)

OUTCOMES = [
    ("Design, implement and test software of medium size.", "Concevoir, réaliser et tester un logiciel de taille moyenne."),
    ("Choose and analyse algorithms and data structures.", "Choisir et analyser des algorithmes et des structures de données."),
    ("Model and query relational databases.", "Modéliser et interroger des bases de données relationnelles."),
    ("Explain how operating systems and networks work.", "Expliquer le fonctionnement des systèmes d'exploitation et des réseaux."),
    ("Work in a team on a software project and present its results.", "Travailler en équipe sur un projet logiciel et en présenter les résultats."),
]  # fmt: skip


DEFAULT_SITE = "http://127.0.0.1:8000"


def example_credential(*, site: str = DEFAULT_SITE, **overrides: Any) -> Credential:
    """The demo learner's Bachelor from the demo awarding body, with register addresses under ``site``
    (the portal's SITE_URL, so that the register checks find the demo body and qualification)."""
    site = site.rstrip("/")
    credential_id = overrides.pop("id", f"urn:uuid:{uuid.uuid4()}")
    qualification = Qualification(
        id=f"{site}/registry/qualifications/DEMO-BACHELOR-CS",
        code="DEMO-BACHELOR-CS",
        title=MultilingualText({"en": "Bachelor of Computer Science", "fr": "Licence d'informatique"}),
        description=MultilingualText(
            {
                "en": "Three-year undergraduate programme in computer science.",
                "fr": "Formation de premier cycle en informatique, en trois ans.",
            }
        ),
        eqf_level=6,
        nqf_level="6",
        isced_f_code="0613",
        credits=Decimal("180"),
        learning_outcomes=tuple(
            LearningOutcome(
                id=f"urn:epass:learningOutcome:demo-bachelor-cs:{i}",
                text=MultilingualText({"en": en, "fr": fr}),
            )
            for i, (en, fr) in enumerate(OUTCOMES, start=1)
        ),
        homepage=f"{site}/registry/qualifications/DEMO-BACHELOR-CS",
    )
    credential = Credential(
        id=credential_id,
        title=qualification.title,
        description=MultilingualText(
            {
                "en": "Awarded on successful completion of the programme.",
                "fr": "Délivrée à l'issue de la formation.",
            }
        ),
        issued=dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.UTC),
        valid_from=dt.datetime(2024, 6, 30, tzinfo=dt.UTC),
        primary_language="en",
        languages=("en", "fr"),
        awarding_body=AwardingBody(
            id=f"{site}/registry/organisations/demo",
            name=MultilingualText({"en": "Demo University", "fr": "Université de démonstration"}),
            legal_identifier="VATFR-12345678901",
            country="FR",
            address=Address(MultilingualText({"en": "1 place de la République, 75003 Paris, France"})),
            email="registrar@demo-university.europass.test",
            homepage="https://demo-university.europass.test",
        ),
        holder=Holder(
            id=f"{credential_id}:holder",
            given_names=MultilingualText({"en": "Camille"}),
            family_name=MultilingualText({"en": "Martin"}),
            full_name=MultilingualText({"en": "Camille Martin"}),
            date_of_birth=dt.date(2001, 4, 12),
            email="camille.martin@example.org",
            learner_id="S-2024-0001",
        ),
        achievements=(
            Achievement(
                id=f"{credential_id}:achievement",
                title=qualification.title,
                qualification=qualification,
                grade="Mention bien (15.2/20)",
                awarded_on=dt.date(2024, 6, 30),
            ),
        ),
    )
    return replace(credential, **overrides) if overrides else credential
