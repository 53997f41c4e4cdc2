"""E-seal keys on a real PKCS#11 token (SoftHSM2): installed from the command line with the certificate read from the
token, used by real workers (one session per forked worker process) to seal a batch in both formats that our verifier
and Debian's xmlsec1 accept; the key never leaves the token; a wrong PIN, a missing token or a missing PIN say so
plainly and never show the PIN."""

from __future__ import annotations

import io
import itertools
import json
import logging
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from europass.accounts.models import User
from europass.registry.models import Organisation
from europass.registry.services import trust_anchor_add
from europass.sealing.demo import make_anchor
from europass.sealing.token_keys import Pkcs11Config, TokenRsaKey
from issuing.models import AuditEvent, IssuedCredential, OrganisationSeal
from issuing.services.batches import batch_confirm, batch_progress, batch_upload
from issuing.services.seals import active_seal, seal_key_of, seal_source_pkcs11
from tests.issuing.conftest import learner, rows_created, xlsx
from verification.services import verify_document

from . import softhsm

_labels = itertools.count(1)


def _token(softhsm_directory: Path, organisation: Organisation, **kwargs: Any) -> softhsm.Token:
    anchor, anchor_key = make_anchor(key_type="ec")
    trust_anchor_add(pem=anchor.public_bytes(serialization.Encoding.PEM), name="Token test anchor")
    return softhsm.make_token(
        f"europass-{next(_labels)}",
        anchor=anchor,
        anchor_key=anchor_key,
        subject=softhsm.subject_of(organisation.legal_name, organisation.legal_identifier),
        **kwargs,
    )


def _install(token: softhsm.Token, organisation: Organisation) -> str:
    out = io.StringIO()
    call_command(
        "seal_source",
        "--organisation",
        organisation.slug,
        "pkcs11",
        "--module",
        token.module,
        "--token-label",
        token.label,
        "--key-label",
        token.key_label,
        "--pin-env",
        token.pin_env,
        stdout=out,
    )
    return out.getvalue()


def _checks(document: bytes) -> dict[str, str]:
    return {c.code: str(c.status.value) for c in verify_document(document).checks}


@pytest.mark.django_db
def test_the_command_line_installs_a_token_key_with_the_certificate_read_from_the_token(
    softhsm_directory: Path, organisation: Organisation
) -> None:
    token = _token(softhsm_directory, organisation)
    said = _install(token, organisation)
    assert "PKCS#11 token or HSM on token" in said and token.label in said
    seal = active_seal(organisation)
    assert seal.source == OrganisationSeal.Source.PKCS11 and bytes(seal.encrypted_key) == b""
    assert seal.source_config["pin_env"] == token.pin_env and softhsm.PIN not in json.dumps(
        seal.source_config
    )
    assert (
        seal.fingerprint
        == token.certificate.fingerprint(__import__("cryptography").hazmat.primitives.hashes.SHA256()).hex()
    )
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SEAL_CHANGED).latest("at")
    assert event.details["source"] == "pkcs11" and softhsm.PIN not in json.dumps(event.details)
    key = seal_key_of(seal).private_key
    assert isinstance(key, TokenRsaKey)
    with pytest.raises(TypeError, match="cannot be exported"):
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


@pytest.mark.django_db
def test_seal_source_test_seals_and_verifies_a_test_document_in_both_formats_through_the_token(
    softhsm_directory: Path, organisation: Organisation
) -> None:
    _install(_token(softhsm_directory, organisation, key_type="ec"), organisation)
    out = io.StringIO()
    call_command("seal_source", "--organisation", organisation.slug, "test", stdout=out)
    assert "The e-seal works" in out.getvalue() and "xml, edc3" in out.getvalue()
    assert AuditEvent.objects.get(action=AuditEvent.Action.SEAL_TESTED).details["ok"] is True


@pytest.mark.django_db
def test_a_wrong_pin_is_refused_plainly_and_the_pin_is_never_shown(
    softhsm_directory: Path, organisation: Organisation, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    token = _token(softhsm_directory, organisation)
    monkeypatch.setenv(token.pin_env, "9999-wrong")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CommandError) as refused:
        _install(token, organisation)
    assert f"refused the PIN given in {token.pin_env}" in str(refused.value)
    assert "9999-wrong" not in str(refused.value) and "9999-wrong" not in caplog.text
    assert not OrganisationSeal.objects.filter(source=OrganisationSeal.Source.PKCS11).exists()


@pytest.mark.django_db
def test_a_missing_token_or_a_missing_pin_is_said_plainly(
    softhsm_directory: Path, organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(softhsm_directory, organisation)
    config = Pkcs11Config(
        module=token.module, token_label="no-such-token", key_label="seal", pin_env=token.pin_env
    )
    from europass.core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="The token no-such-token is not present"):
        seal_source_pkcs11(organisation=organisation, actor="test", config=config, by_operator=True)
    monkeypatch.delenv(token.pin_env)
    with pytest.raises(CommandError, match=f"set the environment variable {token.pin_env}"):
        _install(token, organisation)
    with pytest.raises(CommandError, match="does not exist on this machine"):
        call_command(
            "seal_source", "--organisation", organisation.slug, "pkcs11", "--module", "/nowhere/lib.so",
            "--token-label", token.label, "--key-label", "seal", "--pin-env", "X",
        )  # fmt: skip


@pytest.mark.django_db
def test_an_issuer_who_is_not_an_administrator_cannot_change_the_key_source(
    softhsm_directory: Path, organisation: Organisation
) -> None:
    from europass.accounts.models import Membership
    from europass.core.errors import PermissionDenied

    token = _token(softhsm_directory, organisation)
    issuer = User.objects.create_user("issuer@demo.example", "a-long-Passphrase-42")
    Membership.objects.create(user=issuer, organisation=organisation, role=Membership.Role.ISSUER)
    config = Pkcs11Config(
        module=token.module, token_label=token.label, key_label="seal", pin_env=token.pin_env
    )
    with pytest.raises(PermissionDenied):
        seal_source_pkcs11(organisation=organisation, actor=issuer, config=config)


@pytest.mark.django_db
def test_going_back_to_the_software_key_reactivates_the_uploaded_seal(
    softhsm_directory: Path, organisation: Organisation
) -> None:
    software = active_seal(organisation)
    _install(_token(softhsm_directory, organisation), organisation)
    out = io.StringIO()
    call_command("seal_source", "--organisation", organisation.slug, "software", stdout=out)
    assert active_seal(organisation).pk == software.pk and "software key" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_real_workers_seal_a_batch_through_the_token_and_it_verifies_with_us_and_xmlsec1(
    softhsm_directory: Path,
    organisation: Organisation,
    staff: User,
    start_worker: Any,
    tmp_path: Path,
) -> None:
    token = _token(softhsm_directory, organisation)
    _install(token, organisation)
    start_worker(concurrency=2, name="token")  # prefork: each child opens its own session after the fork
    batch = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(1, 9)]),
        filename="t.xlsx",
    )
    batch = batch_confirm(batch=batch, actor=staff)
    deadline = time.monotonic() + 120
    while batch_progress(batch).pending and time.monotonic() < deadline:
        time.sleep(0.2)
    credentials = list(batch.credentials.order_by("row_number"))
    assert [c.status for c in credentials] == [IssuedCredential.Status.SEALED] * 8, [
        c.failure_reason for c in credentials
    ]
    for credential in credentials[:2]:
        for document in (bytes(credential.xml or b""), bytes(credential.edc3 or b"")):
            checks = _checks(document)
            assert checks["seal_intact"] == "passed" and checks["certificate_trusted"] == "passed", checks
    sealed = tmp_path / "sealed.xml"
    sealed.write_bytes(bytes(credentials[0].xml or b""))
    anchor = tmp_path / "anchor.pem"
    anchor.write_bytes(token.anchor.public_bytes(serialization.Encoding.PEM))
    from tests.sealing.test_seal_and_verify import _xmlsec1

    result = _xmlsec1(sealed, anchor)
    assert result.returncode == 0, result.stderr
    assert isinstance(subprocess.CompletedProcess, type)


def _pending_batch(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch, count: int
) -> Any:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    monkeypatch.setattr("issuing.services.sealing._enqueue_delivery", lambda ids: None)
    rows = [learner(i) for i in range(1, count + 1)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="p.xlsx")
    return batch_confirm(batch=batch, actor=staff)


@pytest.mark.django_db
def test_a_batch_pauses_while_the_token_cannot_sign_and_goes_on_when_it_can_sealing_nothing_twice(
    softhsm_directory: Path, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuing.services import seals
    from issuing.services.sealing import SourceUnavailable, credentials_seal

    token = _token(softhsm_directory, organisation)
    _install(token, organisation)
    seals._sealer.cache_clear()
    seals._jades_sealer.cache_clear()
    batch = _pending_batch(organisation, staff, monkeypatch, 6)
    ids = list(batch.credentials.values_list("id", flat=True))
    source = seals.pkcs11_source(Pkcs11Config.from_json(active_seal(organisation).source_config))
    real = source._sign_once
    signed = itertools.count()

    def pulled_out_after_three_credentials(data: bytes, hash_name: str) -> bytes:
        from pkcs11.exceptions import DeviceRemoved

        if next(signed) >= 7:  # a test signature when the key is opened, then two (XML, EDC 3) per credential
            raise DeviceRemoved()
        return real(data, hash_name)

    monkeypatch.setattr(source, "_sign_once", pulled_out_after_three_credentials)
    with pytest.raises(SourceUnavailable, match="could not sign"):
        credentials_seal(credential_ids=ids)
    batch.refresh_from_db()
    statuses = sorted(batch.credentials.values_list("status", flat=True))
    assert statuses == ["pending"] * 3 + ["sealed"] * 3
    assert "could not sign (DeviceRemoved)" in batch.paused_reason and batch.paused_at is not None
    assert batch_progress(batch).pending == 3

    monkeypatch.setattr(source, "_sign_once", real)  # the token is back
    first_xml = {c.pk: bytes(c.xml or b"") for c in batch.credentials.filter(status="sealed")}
    result = credentials_seal(credential_ids=ids)
    assert result.sealed == 3 and result.skipped == 3
    batch.refresh_from_db()
    assert batch.paused_reason == "" and batch.status == "done"
    assert {c.pk: bytes(c.xml or b"") for c in batch.credentials.filter(pk__in=first_xml)} == first_xml


@pytest.mark.django_db
def test_a_batch_whose_token_pin_is_missing_waits_with_the_reason_and_nothing_fails(
    softhsm_directory: Path, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuing.services import seals
    from issuing.services.sealing import SourceUnavailable, credentials_seal

    token = _token(softhsm_directory, organisation)
    _install(token, organisation)
    seals._sealer.cache_clear()
    seals._jades_sealer.cache_clear()
    seals._sources.clear()  # a new worker process: no session open yet
    batch = _pending_batch(organisation, staff, monkeypatch, 2)
    monkeypatch.delenv(token.pin_env)
    with pytest.raises(SourceUnavailable):
        credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    batch.refresh_from_db()
    assert f"set the environment variable {token.pin_env}" in batch.paused_reason
    assert not batch.credentials.exclude(status="pending").exists()


@pytest.mark.django_db
def test_the_api_says_why_a_batch_waits(
    softhsm_directory: Path, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.test import APIClient

    from issuing.services import seals
    from issuing.services.sealing import SourceUnavailable, credentials_seal

    token = _token(softhsm_directory, organisation)
    _install(token, organisation)
    seals._sealer.cache_clear()
    seals._jades_sealer.cache_clear()
    seals._sources.clear()
    batch = _pending_batch(organisation, staff, monkeypatch, 1)
    monkeypatch.delenv(token.pin_env)
    with pytest.raises(SourceUnavailable):
        credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    api = APIClient()
    api.force_authenticate(staff)
    shown = api.get(f"/api/v1/issuing/batches/{batch.public_id}").json()
    assert f"set the environment variable {token.pin_env}" in shown["paused_reason"] and shown["paused_at"]
