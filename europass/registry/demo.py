"""Demo register: one awarding body and three qualifications in English and French (idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .models import Accreditation, Organisation, Qualification

DEMO_ORGANISATION: dict[str, Any] = {
    "legal_name": "Demo University",
    "name_translations": {"fr": "Université de démonstration"},
    "legal_identifier": "VATFR-12345678901",
    "country": "FR",
    "address": "1 place de la République, 75003 Paris, France",
    "email": "registrar@demo-university.europass.test",
    "website": "https://demo-university.europass.test",
    "credential_formats": "both",  # the demo shows both: EDC 3 JSON-LD (JAdES) and Europass XML (XAdES)
}

DEMO_QUALIFICATIONS: list[dict[str, Any]] = [
    {
        "code": "DEMO-BACHELOR-CS",
        "title": {"en": "Bachelor of Computer Science", "fr": "Licence d'informatique"},
        "description": {
            "en": "Three-year undergraduate programme in computer science.",
            "fr": "Formation de premier cycle en informatique, en trois ans.",
        },
        "eqf_level": 6,
        "nqf_level": "6",
        "isced_f_code": "0613",
        "credits": Decimal("180"),
        "learning_outcomes": [
            {
                "en": "Design, implement and test software of medium size.",
                "fr": "Concevoir, réaliser et tester un logiciel de taille moyenne.",
            },
            {
                "en": "Choose and analyse algorithms and data structures.",
                "fr": "Choisir et analyser des algorithmes et des structures de données.",
            },
            {
                "en": "Model and query relational databases.",
                "fr": "Modéliser et interroger des bases de données relationnelles.",
            },
            {
                "en": "Explain how operating systems and networks work.",
                "fr": "Expliquer le fonctionnement des systèmes d'exploitation et des réseaux.",
            },
            {
                "en": "Work in a team on a software project and present its results.",
                "fr": "Travailler en équipe sur un projet logiciel et en présenter les résultats.",
            },
            {
                "en": "Apply the basics of information security and data protection.",
                "fr": "Appliquer les bases de la sécurité informatique et de la protection des données.",
            },
        ],
    },
    {
        "code": "DEMO-MASTER-DATA",
        "title": {"en": "Master of Data Science", "fr": "Master en science des données"},
        "description": {
            "en": "Two-year graduate programme in data science.",
            "fr": "Formation de deuxième cycle en science des données, en deux ans.",
        },
        "eqf_level": 7,
        "nqf_level": "7",
        "isced_f_code": "0542",
        "credits": Decimal("120"),
        "learning_outcomes": [
            {
                "en": "Build and evaluate statistical and machine-learning models.",
                "fr": "Construire et évaluer des modèles statistiques et d'apprentissage automatique.",
            },
            {
                "en": "Process large data sets reproducibly.",
                "fr": "Traiter de grands jeux de données de manière reproductible.",
            },
            {
                "en": "Communicate findings to non-specialists.",
                "fr": "Communiquer des résultats à un public non spécialiste.",
            },
        ],
    },
    {
        "code": "DEMO-VET-WELDING",
        "title": {"en": "Vocational certificate in welding", "fr": "Certificat professionnel de soudeur"},
        "description": {
            "en": "One-year vocational training in arc and gas welding.",
            "fr": "Formation professionnelle d'un an au soudage à l'arc et au gaz.",
        },
        "eqf_level": 4,
        "nqf_level": "4",
        "isced_f_code": "0715",
        "credits": None,
        "learning_outcomes": [
            {
                "en": "Weld steel plates in all positions to standard quality.",
                "fr": "Souder des tôles d'acier dans toutes les positions selon la qualité requise.",
            },
            {
                "en": "Read technical drawings and welding symbols.",
                "fr": "Lire des plans techniques et des symboles de soudage.",
            },
            {
                "en": "Apply health and safety rules in the workshop.",
                "fr": "Appliquer les règles d'hygiène et de sécurité à l'atelier.",
            },
        ],
    },
]

ACCREDITED_SINCE = dt.date(2020, 1, 1)


def setup_registry(*, slug: str = "demo") -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(slug=slug, defaults=DEMO_ORGANISATION)
    for data in DEMO_QUALIFICATIONS:
        fields = {key: value for key, value in data.items() if key != "code"}
        qualification, _ = Qualification.objects.update_or_create(code=data["code"], defaults=fields)
        Accreditation.objects.update_or_create(
            organisation=organisation,
            qualification=qualification,
            defaults={"valid_from": ACCREDITED_SINCE, "valid_until": None},
        )
    return organisation
