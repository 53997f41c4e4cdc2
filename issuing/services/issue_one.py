"""Issue one credential from JSON (the API), validated with exactly the rules of a sheet row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError
from europass.registry.models import Organisation

from ..audit import audit
from ..models import AuditEvent, IssuedCredential
from ..sheets import COLUMNS, RawRow, RawSheet, validate_sheet
from .batches import already_issued, credentials_create
from .seals import active_seal


def credential_issue_one(
    *, organisation: Organisation, actor: Any, fields: dict[str, Any]
) -> IssuedCredential:
    active_seal(organisation)
    keys = [column.key for column in COLUMNS if column.key in fields]
    raw = RawSheet(
        headers=keys,
        columns={key: i for i, key in enumerate(keys)},
        rows=[RawRow(number=1, values=[fields[key] for key in keys])],
    )
    validation = validate_sheet(raw, organisation=organisation, already_issued=already_issued(organisation))
    errors = [p for p in validation.problems if p.severity == "error"]
    if errors or not validation.rows:
        raise ApplicationError(
            _("The credential data is not valid."),
            code="invalid_credential_data",
            extra={"problems": [{"field": p.column, "value": p.value, "message": p.message} for p in errors]},
        )
    with transaction.atomic():
        (credential,) = credentials_create(organisation=organisation, rows=validation.rows)
        audit(
            organisation=organisation,
            actor=actor,
            action=AuditEvent.Action.ISSUED,
            target=credential.credential_id,
            details={
                "holder": credential.holder_name,
                "qualification": validation.rows[0].qualification_code,
            },
        )
        ids = [credential.pk]

        def enqueue() -> None:
            from ..tasks import seal_chunk

            seal_chunk.delay(ids)

        transaction.on_commit(enqueue)
    return credential
