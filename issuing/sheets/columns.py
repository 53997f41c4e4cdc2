"""The columns of the credentials sheet, their headers in English and French, and how to match a user's header."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    fr: str
    required: bool
    kind: str  # text | date | email | code | decimal | language
    help: object
    example: tuple[str, str]
    aliases: tuple[str, ...] = ()

    def header(self, lang: str) -> str:
        return self.fr if lang.startswith("fr") else self.en


COLUMNS: tuple[Column, ...] = (
    Column("learner_id", "Learner ID", "Identifiant apprenant", True, "text", _("Your own identifier of the learner (student number). The template's example rows (EXAMPLE-…) are refused: replace them."), ("EXAMPLE-0001", "EXAMPLE-0002"), ("student id", "student number", "numero etudiant")),
    Column("given_name", "Given name", "Prénom", True, "text", _("Given name(s), as on the learner's identity document."), ("Camille", "Lucas"), ("first name", "prenoms")),
    Column("family_name", "Family name", "Nom", True, "text", _("Family name, as on the learner's identity document."), ("Martin", "Dubois"), ("last name", "surname", "nom de famille")),
    Column("date_of_birth", "Date of birth", "Date de naissance", True, "date", _("Date, as YYYY-MM-DD or DD/MM/YYYY."), ("2001-04-12", "2000-11-03"), ("birth date", "birthdate")),
    Column("email", "Email", "Courriel", True, "email", _("The learner's email: the credential is delivered to the wallet of this address."), ("camille.martin@example.org", "lucas.dubois@example.org"), ("e-mail", "email address", "adresse electronique", "mail")),
    Column("qualification_code", "Qualification code", "Code de la certification", True, "code", _("A code your organisation is accredited for (see the drop-down)."), ("DEMO-BACHELOR-CS", "DEMO-BACHELOR-CS"), ("qualification", "code certification", "certification")),
    Column("award_date", "Award date", "Date d'obtention", True, "date", _("Date the qualification was awarded, as YYYY-MM-DD or DD/MM/YYYY."), ("2024-06-30", "2024-06-30"), ("date of award", "date de delivrance")),
    Column("valid_until", "Valid until", "Valable jusqu'au", False, "date", _("Leave empty when the credential does not expire."), ("", ""), ("expiry date", "date d'expiration")),
    Column("grade", "Grade", "Note", False, "text", _("Free text, e.g. 15.2/20 or Mention bien."), ("15.2/20", "Mention bien"), ("mention", "result")),
    Column("credits", "Credits (ECTS)", "Crédits (ECTS)", False, "decimal", _("A number; empty takes the qualification's credits."), ("180", ""), ("credits", "ects", "credits ects")),
    Column("language", "Language", "Langue", False, "language", _("Language of the credential: two letters (en, fr, de...). Empty: English."), ("en", "fr"), ("lang",)),
    Column("national_id", "National ID", "Identifiant national", False, "text", _("Optional national identifier of the learner."), ("", ""), ("national identifier",)),
)  # fmt: skip

BY_KEY = {column.key: column for column in COLUMNS}


def normalise(header: object) -> str:
    """Case-, accent-, space- and punctuation-insensitive form of a header."""
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text)


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.en, _column.fr, *_column.aliases):
        _LOOKUP.setdefault(normalise(_name), _column.key)


def match_header(header: object) -> str | None:
    return _LOOKUP.get(normalise(header))
