"""Remote e-sealing through the CSC API v2, driven by the real client against the test service (a small server of
the test suite over a software key): installation from the command line, a batch sealed remotely in both formats with
many hashes per signHash call (the calls counted), SCAL2 authorisation with a PIN, and the failures: service down,
authorisation expired mid-batch, wrong PIN, wrong client secret — each said plainly, secrets never shown, nothing lost
or sealed twice."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from europass.accounts.models import User
from europass.registry.models import Organisation
from europass.registry.services import trust_anchor_add
from europass.sealing.demo import make_anchor, new_key
from issuing.models import AuditEvent, OrganisationSeal
from issuing.services import seals
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.sealing import SourceUnavailable, credentials_seal
from issuing.services.seals import active_seal
from tests.issuing.conftest import learner, rows_created, xlsx
from verification.services import verify_document

from . import softhsm
from .csc_service import Service

pytestmark = pytest.mark.django_db

SECRET_ENV = "EUROPASS_TEST_CSC_SECRET"
PIN_ENV = "EUROPASS_TEST_CSC_PIN"


@pytest.fixture
def service(organisation: Organisation, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    anchor, anchor_key = make_anchor(key_type="ec")
    trust_anchor_add(pem=anchor.public_bytes(serialization.Encoding.PEM), name="CSC test anchor")
    key = new_key("rsa")
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(softhsm.subject_of(organisation.legal_name, organisation.legal_identifier))
        .issuer_name(anchor.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(anchor_key.public_key()), critical=False
        )
        .sign(anchor_key, hashes.SHA256())
    )
    running = Service(key=key, chain=[certificate, anchor]).start()
    monkeypatch.setenv(SECRET_ENV, running.client_secret)
    seals._clients.clear()
    seals._sealer.cache_clear()
    seals._jades_sealer.cache_clear()
    yield running
    running.stop()
    seals._clients.clear()
    seals._sealer.cache_clear()
    seals._jades_sealer.cache_clear()


def _install(service: Service, organisation: Organisation, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "seal_source", "--organisation", organisation.slug, "csc", "--url", service.url,
        "--client-id", service.client_id, "--credential-id", service.credential_id, "--secret-env", SECRET_ENV,
        *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


def _batch(organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch, count: int) -> Any:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    monkeypatch.setattr("issuing.services.sealing._enqueue_delivery", lambda ids: None)
    rows = [learner(i) for i in range(1, count + 1)]
    batch = batch_upload(organisation=organisation, actor=staff, data=xlsx(rows), filename="remote.xlsx")
    return batch_confirm(batch=batch, actor=staff)


def _seal_in_chunks(batch: Any, size: int = 100) -> None:
    ids = list(batch.credentials.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), size):
        credentials_seal(credential_ids=ids[start : start + size])


def test_the_command_line_installs_a_remote_credential_and_stores_no_secret(
    service: Service, organisation: Organisation
) -> None:
    said = _install(service, organisation)
    assert "remote sealing service (CSC API)" in said and service.credential_id in said
    seal = active_seal(organisation)
    assert seal.source == OrganisationSeal.Source.CSC and bytes(seal.encrypted_key) == b""
    stored = json.dumps(seal.source_config) + json.dumps(
        AuditEvent.objects.filter(action=AuditEvent.Action.SEAL_CHANGED).latest("at").details
    )
    assert service.client_secret not in stored and SECRET_ENV in stored


def test_a_batch_is_sealed_remotely_in_both_formats_with_a_hundred_hashes_per_call(
    service: Service, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(service, organisation)
    service.calls.clear()
    service.hashes_signed = 0
    batch = _batch(organisation, staff, monkeypatch, 250)
    _seal_in_chunks(batch)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.credentials.filter(status="sealed").count() == 250
    # 250 credentials x 2 formats = 500 signatures, 100 per call: 5 signHash calls (2 + 2 + 1 for the chunks)
    assert service.calls["signatures/signHash"] == 5 and service.hashes_signed == 500
    assert service.calls["credentials/authorize"] == 5 and service.calls["oauth2/token"] <= 1
    for credential in batch.credentials.order_by("row_number")[:2]:
        for document in (bytes(credential.xml or b""), bytes(credential.edc3 or b"")):
            checks = {c.code: str(c.status.value) for c in verify_document(document).checks}
            assert checks["seal_intact"] == "passed" and checks["certificate_trusted"] == "passed", checks


def test_a_scal2_credential_is_authorised_for_the_hashes_with_the_pin_and_a_wrong_pin_pauses_the_batch(
    service: Service, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    service.scal, service.pin = "2", "2468"
    monkeypatch.setenv(PIN_ENV, "2468")
    _install(service, organisation, "--pin-env", PIN_ENV)
    batch = _batch(organisation, staff, monkeypatch, 3)
    _seal_in_chunks(batch)
    assert batch.credentials.filter(status="sealed").count() == 3

    monkeypatch.setenv(PIN_ENV, "1357-wrong")
    seals._clients.clear()
    seals._sealer.cache_clear()
    seals._jades_sealer.cache_clear()
    caplog.set_level(logging.DEBUG)
    more = batch_upload(
        organisation=organisation,
        actor=staff,
        data=xlsx([learner(i) for i in range(10, 12)]),
        filename="b.xlsx",
    )
    more = batch_confirm(batch=more, actor=staff)
    with pytest.raises(SourceUnavailable):
        _seal_in_chunks(more)
    more.refresh_from_db()
    assert "invalid_pin" in more.paused_reason and "1357-wrong" not in more.paused_reason
    assert "1357-wrong" not in caplog.text
    assert not more.credentials.exclude(status="pending").exists()


def test_a_service_that_is_down_pauses_the_batch_and_it_goes_on_when_the_service_is_back(
    service: Service, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(service, organisation)
    batch = _batch(organisation, staff, monkeypatch, 4)
    service.down = True
    with pytest.raises(SourceUnavailable):
        _seal_in_chunks(batch)
    batch.refresh_from_db()
    assert "is unavailable" in batch.paused_reason and batch.credentials.filter(status="pending").count() == 4
    service.down = False
    _seal_in_chunks(batch)
    batch.refresh_from_db()
    assert batch.paused_reason == "" and batch.credentials.filter(status="sealed").count() == 4


def test_an_authorisation_that_expires_before_signing_is_asked_again_once(
    service: Service, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(service, organisation)
    service.calls.clear()
    batch = _batch(organisation, staff, monkeypatch, 2)
    service.expire_next_sad = True
    _seal_in_chunks(batch)
    assert batch.credentials.filter(status="sealed").count() == 2
    assert service.calls["credentials/authorize"] == 2 and service.calls["signatures/signHash"] == 2


def test_a_wrong_client_secret_is_refused_naming_the_client_never_the_secret(
    service: Service, organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    with pytest.raises(CommandError) as refused:
        _install(service, organisation)
    assert f"refused the client {service.client_id}" in str(refused.value)
    assert "not-the-secret" not in str(refused.value)
    assert not OrganisationSeal.objects.filter(source=OrganisationSeal.Source.CSC).exists()


def test_seal_source_test_seals_and_verifies_through_the_remote_service(
    service: Service, organisation: Organisation
) -> None:
    _install(service, organisation)
    out = io.StringIO()
    call_command("seal_source", "--organisation", organisation.slug, "test", stdout=out)
    assert "The e-seal works" in out.getvalue()


def test_a_batch_of_a_one_time_password_credential_waits_for_the_password_then_seals_with_one_authorisation(
    service: Service, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.test import APIClient

    service.multisign = (
        1000  # a service set up for batch sealing: one authorisation for up to 1,000 signatures
    )
    _install(service, organisation, "--otp")
    batch = _batch(organisation, staff, monkeypatch, 120)
    with pytest.raises(SourceUnavailable):
        _seal_in_chunks(batch)
    batch.refresh_from_db()
    assert "needs a one-time password for this batch" in batch.paused_reason
    assert not batch.credentials.exclude(status="pending").exists()

    api = APIClient()
    api.force_authenticate(staff)
    url = f"/api/v1/issuing/batches/{batch.public_id}/authorise"
    service.otp = "739215"
    wrong = api.post(url, {"otp": "000000"}, format="json")
    assert wrong.status_code == 400 and "invalid_otp" in json.dumps(wrong.json())
    service.otp = "739215"
    service.calls.clear()
    assert api.post(url, {"otp": "739 215"}, format="json").status_code == 202
    _seal_in_chunks(batch)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.credentials.filter(status="sealed").count() == 120
    assert service.calls["credentials/authorize"] == 1  # one password, one authorisation for 240 signatures
    assert service.calls["signatures/signHash"] == 3  # 200 hashes (100 per call) then 40
    logged = json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))
    assert "739215" not in logged and "739 215" not in logged


def test_a_one_time_password_authorisation_that_expires_mid_batch_pauses_it_until_a_new_one(
    service: Service, organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuing.services.seals import batch_authorise

    service.multisign = 1000
    _install(service, organisation, "--otp")
    batch = _batch(organisation, staff, monkeypatch, 150)
    service.otp = "111222"
    batch_authorise(batch=batch, actor=staff, otp="111222")
    ids = list(batch.credentials.order_by("id").values_list("id", flat=True))
    credentials_seal(credential_ids=ids[:100])
    service.expire_next_sad = True
    with pytest.raises(SourceUnavailable):
        credentials_seal(credential_ids=ids[100:])
    batch.refresh_from_db()
    assert "expired or is used up: enter a new one-time password" in batch.paused_reason
    assert batch.credentials.filter(status="sealed").count() == 100
    service.otp = "333444"
    batch_authorise(batch=batch, actor=staff, otp="333444")
    credentials_seal(credential_ids=ids[100:])
    batch.refresh_from_db()
    assert batch.credentials.filter(status="sealed").count() == 150 and batch.paused_reason == ""


def test_the_batch_page_says_why_sealing_waits_and_takes_the_one_time_password(
    service: Service,
    organisation: Organisation,
    staff: User,
    staff_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service.multisign = 1000
    _install(service, organisation, "--otp")
    batch = _batch(organisation, staff, monkeypatch, 3)
    with pytest.raises(SourceUnavailable):
        _seal_in_chunks(batch)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert "Sealing waits:" in page and "needs a one-time password for this batch" in page
    assert 'name="otp"' in page
    live = staff_client.get(f"/issuing/batches/{batch.public_id}/progress").content.decode()
    assert "Sealing waits:" in live  # the live part shows it too
    service.otp = "864209"
    answer = staff_client.post(
        f"/issuing/batches/{batch.public_id}/authorise", {"otp": "864209"}, follow=True
    )
    assert "Authorised: 6 signatures; sealing goes on." in answer.content.decode()
    _seal_in_chunks(batch)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.paused_reason == ""
    assert "Sealing waits:" not in staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
