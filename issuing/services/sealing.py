"""The hot loop of issuing: claim pending credentials, build each document, seal it, store it.

Results are stored with a conditional update on ``status='pending'``: a task delivered twice finds nothing left to
store, and a worker killed mid-chunk stores nothing, so the redelivered or resumed task seals the chunk.
Nothing is stored twice, nothing is lost, and no lock is held while sealing.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BinaryField, Case, Count, Field, IntegerField, Q, TextField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.core.bulk import writing_cursor
from europass.sealing.csc import CscConfig
from europass.sealing.errors import SealingError
from europass.sealing.jades_seal import JadesSealer
from europass.sealing.seal import Sealer
from europass.sealing.token_keys import batch_signer

from ..audit import audit
from ..models import AuditEvent, Batch, IssuedCredential, OrganisationSeal
from .building import DocumentBuilder
from .seals import (
    active_seal,
    batch_activation,
    batch_activation_expired,
    eidas_identifier_of,
    jades_sealer_for,
    sealer_for,
)

log = logging.getLogger(__name__)


# Errors of the key's device or remote service: the key cannot sign NOW (token absent, PIN refused, service down,
# authorisation expired). The credentials stay pending and the batch pauses; anything else fails the credential.
SOURCE_ERRORS = ("pkcs11_", "csc_")


def is_source_error(error: BaseException) -> bool:
    return isinstance(error, SealingError) and error.code.startswith(SOURCE_ERRORS)


class SourceUnavailable(Exception):
    """Raised after storing what was sealed: the e-seal key cannot sign now; the task is retried later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SealResult:
    sealed: int = 0
    failed: int = 0
    skipped: int = 0

    def to_json(self) -> dict[str, int]:
        return {"sealed": self.sealed, "failed": self.failed, "skipped": self.skipped}


def credentials_seal(*, credential_ids: list[int]) -> SealResult:
    """Seal the pending credentials among ``credential_ids``.

    The CPU work (building and sealing) happens outside any transaction; the results are then stored with one
    conditional ``UPDATE ... WHERE status = 'pending'`` per credential in one short transaction. A task delivered
    twice, or two workers on the same chunk, store each credential once (the loser's work is discarded); a worker
    killed before the commit stores nothing, and the chunk is sealed again when it is redelivered or resumed.
    """
    claimed = _claim(credential_ids)
    by_organisation: dict[int, list[IssuedCredential]] = defaultdict(list)
    for credential in claimed:
        by_organisation[credential.organisation_id].append(credential)
    outcomes: list[tuple[IssuedCredential, dict[str, object]]] = []
    now = timezone.now()
    paused: dict[int, str] = {}  # batch id -> why its credentials wait
    for credentials in by_organisation.values():
        organisation = credentials[0].organisation
        try:
            seal = active_seal(organisation)
            sealer = sealer_for(seal) if organisation.issues_xml else None
            jades = jades_sealer_for(seal) if organisation.issues_edc3 else None
        except SealingError as error:
            if not is_source_error(error):
                raise
            _pause(paused, credentials, error, organisation.slug)
            continue
        except Exception as error:  # no e-seal, or a key that cannot be used: every credential fails clearly
            reason = str(getattr(error, "message", None) or _("The e-seal could not be used."))
            log.warning("sealing: organisation %s cannot seal: %s", organisation.slug, type(error).__name__)
            outcomes += [
                (c, {"status": IssuedCredential.Status.FAILED, "failure_reason": reason}) for c in credentials
            ]
            continue
        builder = DocumentBuilder(organisation, eidas_identifier=eidas_identifier_of(seal))
        either = sealer or jades
        sign_many = batch_signer(either.seal_key.private_key) if either is not None else None
        if sign_many is not None:  # a remote service: the whole chunk in as few requests as it allows
            try:
                outcomes += _seal_remotely(credentials, builder, sealer, jades, sign_many, seal, now)
            except SealingError as error:
                if not is_source_error(error):
                    raise
                _pause(paused, credentials, error, organisation.slug)
            continue
        for credential in credentials:
            try:
                document = builder.credential(credential, now=now)
                xml = sealer.seal_element(document.to_element()) if sealer is not None else None
                edc3 = jades.seal(builder.edc3_payload(document)) if jades is not None else None
            except Exception as error:
                if is_source_error(error):
                    # The device stopped signing mid-chunk: keep what is sealed, leave the rest pending.
                    _pause(paused, credentials, error, organisation.slug)  # type: ignore[arg-type]
                    break
                log.exception("sealing: credential %s failed", credential.public_id)
                outcomes.append((credential, _failed(error)))
            else:
                outcomes.append((credential, _sealed(xml, edc3, seal, now)))
    sealed_ids: list[int] = []
    failed = 0
    with transaction.atomic():
        sealed_ids, failed = _store(outcomes)
        for batch_id, reason in paused.items():
            Batch.objects.filter(pk=batch_id).update(paused_reason=reason, paused_at=timezone.now())
        going = {c.batch_id for c, values in outcomes if c.batch_id and values["status"] == "sealed"} - set(
            paused
        )
        for batch_id in {c.batch_id for c, _values in outcomes if c.batch_id}:
            batch_finish_if_done(batch_id, signing=batch_id in going)
        if sealed_ids:
            transaction.on_commit(lambda: _enqueue_delivery(sealed_ids))
    if paused:
        raise SourceUnavailable(next(iter(paused.values())))
    return SealResult(
        sealed=len(sealed_ids), failed=failed, skipped=len(credential_ids) - len(sealed_ids) - failed
    )


def _claim(credential_ids: list[int]) -> list[IssuedCredential]:
    """The pending credentials among ``credential_ids``, with their status list; their organisation and
    qualification are read once per chunk (prefetched), not once per row (their texts are JSON: decoding them per
    row cost more than the seal)."""
    return list(
        IssuedCredential.objects.filter(pk__in=credential_ids, status=IssuedCredential.Status.PENDING)
        .select_related("status_list")
        .prefetch_related("organisation", "qualification")
        .order_by("id")
    )


def _store(outcomes: list[tuple[IssuedCredential, dict[str, object]]]) -> tuple[list[int], int]:
    """Store a chunk's results in a few statements, whatever its size: one conditional UPDATE of the sealed ones
    (``WHERE status = 'pending'``, each document by its id), marked with this run, then the rows this run changed
    read back by the mark; one conditional UPDATE of the failed ones. A credential sealed or cancelled meanwhile by
    someone else keeps theirs. Returns the ids this run sealed and how many it failed."""
    sealed = [(c, v) for c, v in outcomes if v["status"] == IssuedCredential.Status.SEALED]
    failures = [(c, v) for c, v in outcomes if v["status"] != IssuedCredential.Status.SEALED]
    sealed_ids: list[int] = []
    if sealed and _returning():
        sealed_ids = _store_sealed(sealed)
    elif sealed:
        run = uuid.uuid4()
        pending = IssuedCredential.objects.filter(
            pk__in=[c.pk for c, _v in sealed], status=IssuedCredential.Status.PENDING
        )
        pending.update(
            status=IssuedCredential.Status.SEALED,
            xml=_by_id(sealed, "xml", BinaryField()),
            edc3=_by_id(sealed, "edc3", BinaryField()),
            seal_id=_by_id(sealed, "seal_id", IntegerField()),
            sealed_at=sealed[0][1]["sealed_at"],
            failure_reason="",
            seal_run=run,
        )
        sealed_ids = list(IssuedCredential.objects.filter(seal_run=run).values_list("pk", flat=True))
    failed = 0
    if failures:
        failed = IssuedCredential.objects.filter(
            pk__in=[c.pk for c, _v in failures], status=IssuedCredential.Status.PENDING
        ).update(
            status=IssuedCredential.Status.FAILED,
            failure_reason=_by_id(failures, "failure_reason", TextField()),
        )
    return sealed_ids, failed


def _returning() -> bool:
    """Whether the database takes ``UPDATE … FROM`` with ``RETURNING``: PostgreSQL, SQLite from 3.35 (2021)."""
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def _store_sealed(sealed: list[tuple[IssuedCredential, dict[str, object]]]) -> list[int]:
    """The sealed documents stored in one statement, returning the ids it stored: ``UPDATE … FROM`` a list of
    values (id, XML, EDC 3, seal), ``WHERE status = 'pending'``. Django's ``CASE id WHEN …`` over a chunk's
    documents cost more to compile than the statement to run (0.4 to 0.6 ms a credential)."""
    meta = IssuedCredential._meta
    table = meta.db_table
    quote = connection.ops.quote_name
    listed = [meta.get_field(name) for name in ("id", "xml", "edc3", "seal")]
    if connection.vendor == "postgresql":  # the values' types, which PostgreSQL cannot infer from parameters
        row = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in listed) + ")"
    else:
        row = "(%s, %s, %s, %s)"
    params: list[Any] = []
    for credential, values in sealed:
        seal = values["seal"]
        params += [credential.pk, values["xml"], values["edc3"], seal.pk]  # type: ignore[attr-defined]
    params += [
        IssuedCredential.Status.SEALED.value,
        _prepared("sealed_at", sealed[0][1]["sealed_at"]),
        _prepared("seal_run", uuid.uuid4()),
        IssuedCredential.Status.PENDING.value,
    ]
    t = quote(table)
    columns = {
        name: quote(name) for name in ("id", "status", "xml", "edc3", "seal_id", "sealed_at", "seal_run")
    }
    assign = (
        f"{columns['status']} = %s, {columns['xml']} = sealed.xml, {columns['edc3']} = sealed.edc3, "
        f"{columns['seal_id']} = sealed.seal_id, {columns['sealed_at']} = %s, {quote('failure_reason')} = '', "
        f"{columns['seal_run']} = %s"
    )
    where = f"{t}.{columns['id']} = sealed.id AND {t}.{columns['status']} = %s"
    rows = ", ".join([row] * len(sealed))
    # The names are the model's own, every value a parameter.
    sql = f"WITH sealed (id, xml, edc3, seal_id) AS (VALUES {rows}) UPDATE {t} SET {assign} FROM sealed WHERE {where} RETURNING {t}.{columns['id']}"  # noqa: S608
    with writing_cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row_id for (row_id,) in cursor.fetchall())


def _prepared(name: str, value: object) -> Any:
    """``value`` as the database stores the credential's field ``name``."""
    field = IssuedCredential._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_db_prep_value(value, connection)


def _by_id(
    outcomes: list[tuple[IssuedCredential, dict[str, object]]], field: str, output: Field[Any, Any]
) -> Case | Value:
    """One value per credential, in one statement: CASE id WHEN … THEN … END (a single value when all agree)."""
    values = [(c.pk, v["seal"].pk if field == "seal_id" else v.get(field)) for c, v in outcomes]  # type: ignore[attr-defined]
    if len({repr(value) for _pk, value in values}) == 1:
        return Value(values[0][1], output_field=output)
    return Case(
        *(When(pk=pk, then=Value(value, output_field=output)) for pk, value in values), output_field=output
    )


def _seal_remotely(
    credentials: list[IssuedCredential],
    builder: DocumentBuilder,
    sealer: Sealer | None,
    jades: JadesSealer | None,
    sign_many: Any,
    seal: OrganisationSeal,
    now: dt.datetime,
) -> list[tuple[IssuedCredential, dict[str, object]]]:
    """Build every document of the chunk, have the remote service sign them all (XML and EDC 3 together, as few
    ``signHash`` calls as its batch size allows), then complete the seals. A document that cannot be built fails
    alone; a service that cannot sign raises (the chunk stays pending)."""
    outcomes: list[tuple[IssuedCredential, dict[str, object]]] = []
    built: list[tuple[IssuedCredential, Any]] = []
    for credential in credentials:
        try:
            built.append((credential, builder.credential(credential, now=now)))
        except Exception as error:
            log.exception("sealing: credential %s failed", credential.public_id)
            outcomes.append((credential, _failed(error)))
    if not built:
        return outcomes
    trees, recorder = sealer.prepare([d.to_xml() for _c, d in built]) if sealer is not None else ([], None)
    prepared, inputs = (
        jades.prepare([builder.edc3_payload(d) for _c, d in built]) if jades is not None else ([], [])
    )
    items = (recorder.items if recorder is not None else []) + inputs
    if seal.source == OrganisationSeal.Source.CSC and CscConfig.from_json(seal.source_config).otp:
        # Authorised per batch by a person's one-time password (batch_authorise): no password, no signature.
        batch_id = built[0][0].batch_id
        try:
            signatures = sign_many(items, "sha256", sad=batch_activation(batch_id, seal))  # type: ignore[call-arg]
        except SealingError as error:
            if error.code == "csc_authorisation_expired":
                batch_activation_expired(batch_id, seal)
            raise
    else:
        signatures = sign_many(items, "sha256")
    xmls = sealer.complete(trees, signatures[: len(trees)]) if sealer is not None else [None] * len(built)
    edc3s = jades.complete(prepared, signatures[len(trees) :]) if jades is not None else [None] * len(built)
    for (credential, _document), xml, edc3 in zip(built, xmls, edc3s, strict=True):
        outcomes.append((credential, _sealed(xml, edc3, seal, now)))
    return outcomes


def _sealed(
    xml: bytes | None, edc3: bytes | None, seal: OrganisationSeal, now: dt.datetime
) -> dict[str, object]:
    return {
        "status": IssuedCredential.Status.SEALED,
        "xml": xml,
        "edc3": edc3,
        "seal": seal,
        "sealed_at": now,
    }


def _pause(
    paused: dict[int, str], credentials: list[IssuedCredential], error: SealingError, slug: str
) -> None:
    """The e-seal key cannot sign now: the credentials' batches wait, saying why (their credentials stay pending)."""
    log.warning("sealing: the e-seal key of %s cannot sign now (%s)", slug, error.code)
    reason = error.message(_lang())
    paused.update({c.batch_id: reason for c in credentials if c.batch_id})


def _failed(error: Exception) -> dict[str, object]:
    said = str(error) if isinstance(error, SealingError) else type(error).__name__
    return {
        "status": IssuedCredential.Status.FAILED,
        "failure_reason": _("Sealing failed: %(error)s") % {"error": said},
    }


def _lang() -> str:
    from django.utils.translation import get_language

    return (get_language() or "en")[:2]


def batch_finish_if_done(batch_id: int, *, signing: bool = False) -> None:
    """Mark the batch done when none of its credentials is pending (and audit it, once). Call inside the
    transaction that stored a chunk's results.

    Chunks stored at the same moment each see the other's credentials as pending until it commits: so the batch
    row is locked first (PostgreSQL; SQLite writes one transaction at a time anyway), and the last chunk to get
    here sees every other one committed. Rows whose chunk has not created their credentials yet count as pending
    (fewer credentials than rows). ``signing``: the chunk sealed some, so a pause of the batch is over."""
    locked = (
        Batch.objects.select_for_update()
        .filter(pk=batch_id, status=Batch.Status.SEALING)
        .values_list("confirmed_rows", "paused_reason")
        .first()
    )
    if locked is None:
        return
    rows, paused_reason = locked
    if signing and paused_reason:  # the key signs again
        Batch.objects.filter(pk=batch_id).update(paused_reason="", paused_at=None)
    counts = IssuedCredential.objects.filter(batch_id=batch_id).aggregate(
        created=Count("id"), pending=Count("id", filter=Q(status=IssuedCredential.Status.PENDING))
    )
    if counts["pending"] or counts["created"] < rows:  # pending, or rows whose chunk has not created them yet
        return
    finished = Batch.objects.filter(pk=batch_id, status=Batch.Status.SEALING).update(
        status=Batch.Status.DONE, finished_at=timezone.now()
    )
    if finished:  # exactly one chunk gets here
        batch = Batch.objects.select_related("organisation").get(pk=batch_id)
        counts = {
            str(status): batch.credentials.filter(status=status).count()
            for status in (IssuedCredential.Status.SEALED, IssuedCredential.Status.FAILED)
        }
        audit(
            organisation=batch.organisation,
            actor=None,
            action=AuditEvent.Action.SEALED,
            target=batch.filename,
            details={"batch": str(batch.public_id), **counts},
        )


def _enqueue_delivery(ids: list[int]) -> None:
    from ..tasks import deliver_chunk

    deliver_chunk.delay(ids)
