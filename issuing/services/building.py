"""From an issued-credential row to the Europass document: built with what was read once per chunk."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from europass.credentials.model import (
    Achievement,
    Address,
    AwardingBody,
    Credential,
    CredentialStatus,
    Holder,
    LearningOutcome,
    MultilingualText,
    Qualification,
)
from europass.registry.models import Organisation
from europass.registry.models import Qualification as RegisteredQualification

from ..models import Batch, IssuedCredential


def awarding_body_of(organisation: Organisation) -> AwardingBody:
    return AwardingBody(
        id=organisation.uri,
        name=MultilingualText.of({"en": organisation.legal_name, **organisation.name_translations}),
        legal_identifier=organisation.legal_identifier,
        country=organisation.country,
        address=Address(MultilingualText({"en": organisation.address})) if organisation.address else None,
        email=organisation.email or None,
        homepage=organisation.website or None,
    )


def qualification_of(qualification: RegisteredQualification) -> Qualification:
    uri = qualification.public_uri
    return Qualification(
        id=uri,
        code=qualification.code,
        title=MultilingualText.of(qualification.title),
        description=MultilingualText.of(qualification.description) or None,
        eqf_level=qualification.eqf_level,
        nqf_level=qualification.nqf_level or None,
        isced_f_code=qualification.isced_f_code or None,
        credits=qualification.credits,
        learning_outcomes=tuple(
            LearningOutcome(id=f"{uri}#outcome-{i}", text=MultilingualText.of(outcome))
            for i, outcome in enumerate(qualification.learning_outcomes, start=1)
            if outcome
        ),
        homepage=uri,
    )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


class DocumentBuilder:
    """Builds the documents of one organisation; the awarding body and qualifications are converted once, and the
    EDC 3 parts that are the same for every credential of the batch are built once by ``Edc3Builder``."""

    def __init__(self, organisation: Organisation, *, eidas_identifier: str | None = None) -> None:
        self.awarding_body = awarding_body_of(organisation)
        self._qualifications: dict[int, Qualification] = {}
        self._status_urls: dict[int, str] = {}  # by status list: a URL reversed once, not once per credential
        self._eidas_identifier = eidas_identifier
        self._edc3: Any = None
        self._shapes_checked = False

    def qualification(self, registered: RegisteredQualification) -> Qualification:
        if registered.pk not in self._qualifications:
            self._qualifications[registered.pk] = qualification_of(registered)
        return self._qualifications[registered.pk]

    def credential(self, issued: IssuedCredential, *, now: dt.datetime | None = None) -> Credential:
        learner = issued.learner
        qualification = self.qualification(issued.qualification)
        if learner.get("credits") not in (None, ""):
            qualification = replace(qualification, credits=Decimal(str(learner["credits"])))
        cid = issued.credential_id
        language = learner.get("language") or "en"
        languages = tuple(dict.fromkeys([language, *qualification.title.languages()]))
        return Credential(
            id=cid,
            title=qualification.title,
            issued=(now or timezone.now()).replace(microsecond=0),
            valid_from=_midnight(issued.award_date),
            valid_until=_midnight(issued.valid_until) if issued.valid_until else None,
            primary_language=language,
            languages=languages,
            awarding_body=self.awarding_body,
            holder=Holder(
                id=f"{cid}:holder",
                given_names=MultilingualText({language: learner["given_name"]}),
                family_name=MultilingualText({language: learner["family_name"]}),
                full_name=MultilingualText({language: issued.holder_name}),
                date_of_birth=dt.date.fromisoformat(learner["date_of_birth"]),
                email=issued.holder_email,
                learner_id=issued.learner_id or None,
                national_id=learner.get("national_id") or None,
                national_id_country=issued.organisation.country if learner.get("national_id") else None,
            ),
            achievements=(
                Achievement(
                    id=f"{cid}:achievement",
                    title=qualification.title,
                    qualification=qualification,
                    grade=learner.get("grade") or None,
                    awarded_on=issued.award_date,
                ),
            ),
            status=CredentialStatus(url=self._status_url(issued), index=issued.status_index),
        )

    def _status_url(self, issued: IssuedCredential) -> str:
        url = self._status_urls.get(issued.status_list_id)
        if url is None:
            url = self._status_urls[issued.status_list_id] = issued.status_list.url
        return url

    def build(self, issued: IssuedCredential) -> bytes:
        return self.credential(issued).to_xml()

    def edc3_payload(self, credential: Credential) -> str:
        """The EDC 3 (ELM 3 JSON-LD) text of ``credential``, exactly as it is sealed."""
        if self._edc3 is None:
            from europass.credentials.edc3 import Edc3Builder

            self._edc3 = Edc3Builder(eidas_identifier=self._eidas_identifier)
        payload = str(self._edc3.payload(credential))
        if settings.DEBUG and not self._shapes_checked:
            # In development, the first document of each chunk is checked against the official shapes.
            _check_shapes(payload)
            self._shapes_checked = True
        return payload


class NonConformingDocument(Exception):
    """An EDC 3 document we built is not valid against the official shapes (a bug of ours: checked in debug)."""


def _check_shapes(payload: str) -> None:
    import json

    from europass.credentials.shacl import default_shacl_validator

    result = default_shacl_validator().validate(json.loads(payload))
    if not result.conforms:
        raise NonConformingDocument(
            f"The EDC 3 document is not valid against {result.profile}: " + "; ".join(result.violations[:3])
        )


def preview_visual(batch: Batch, *, lang: str) -> dict[str, Any] | None:
    """The visual representation of the batch's first credential as it will be issued (unsaved, unsealed)."""
    from europass.core.visual import visual_context
    from europass.status.models import StatusList

    from ..sheets import LearnerRow

    if not batch.rows:
        return None
    row = LearnerRow.from_json(batch.rows[0])
    qualification = RegisteredQualification.objects.filter(code=row.qualification_code).first()
    if qualification is None:
        return None
    issued = IssuedCredential(
        organisation=batch.organisation,
        qualification=qualification,
        learner=row.to_json(),
        holder_email=row.email,
        learner_id=row.learner_id or "",
        holder_name=f"{row.given_name} {row.family_name}".strip(),
        award_date=row.award_date,
        valid_until=row.valid_until,
        status_list=StatusList(organisation=batch.organisation),
        status_index=0,
    )
    credential = DocumentBuilder(batch.organisation).credential(issued)
    return visual_context(credential, seal=None, status=None, lang=lang)
