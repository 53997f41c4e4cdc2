"""An e-seal is accepted only if it can be this organisation's: its organisation identifier, a usage that allows
signatures, valid now, and the private key that matches it. Refused uploads change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import Client

from europass.accounts.models import User
from europass.core.errors import ApplicationError
from europass.registry.models import Organisation, SealCertificate
from europass.sealing.demo import issue_certificate, make_anchor, new_key, seal_subject
from europass.sealing.keys import SealKey, to_pkcs12
from issuing.models import AuditEvent, OrganisationSeal
from issuing.services.seals import seal_install, seal_store

pytestmark = pytest.mark.django_db


def _seal(
    identifier: str | None = "VATFR-12345678901",
    *,
    digital_signature: bool = True,
    valid_from: dt.datetime | None = None,
    valid_days: int = 365,
) -> SealKey:
    anchor, anchor_key = make_anchor(key_type="ec")
    key = new_key("ec")
    subject = seal_subject("Demo University", identifier or "x", "FR")
    if identifier is None:
        subject = x509.Name([a for a in subject if a.oid.dotted_string != "2.5.4.97"])
    cert = issue_certificate(
        anchor,
        anchor_key,
        subject,
        key=key,
        digital_signature=digital_signature,
        valid_from=valid_from,
        valid_days=valid_days,
    )
    return SealKey(key, cert, ())


def _unchanged(organisation: Organisation, before: int) -> None:
    assert OrganisationSeal.objects.filter(organisation=organisation).count() == before


@pytest.mark.parametrize(
    ("seal", "expected"),
    [
        (lambda: _seal("VATBE-0999999999"), "belongs to another organisation"),
        (lambda: _seal(None), "names no organisation identifier"),
        (lambda: _seal(digital_signature=False), "key usage"),
        (
            lambda: _seal(valid_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=30), valid_days=10),
            "expired",
        ),
        (lambda: _seal(valid_from=dt.datetime.now(dt.UTC) + dt.timedelta(days=30)), "not valid before"),
    ],
    ids=["another organisation", "no identifier", "no signature usage", "expired", "not yet valid"],
)
def test_an_e_seal_that_cannot_be_the_organisations_is_refused_and_changes_nothing(
    organisation: Organisation, staff: User, seal: Any, expected: str
) -> None:
    before = OrganisationSeal.objects.filter(organisation=organisation).count()
    with pytest.raises(ApplicationError) as raised:
        seal_store(organisation=organisation, seal_key=seal(), actor=staff)
    assert expected in raised.value.message
    _unchanged(organisation, before)


def test_a_private_key_that_does_not_match_the_certificate_is_refused(
    organisation: Organisation, staff: User
) -> None:
    one, other = _seal(), _seal()
    before = OrganisationSeal.objects.filter(organisation=organisation).count()
    key_pem = one.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = other.certificate.public_bytes(serialization.Encoding.PEM)
    with pytest.raises(ApplicationError):
        seal_install(organisation=organisation, actor=staff, key_pem=key_pem, certificates_pem=cert_pem)
    _unchanged(organisation, before)


def test_the_organisations_own_e_seal_is_installed_and_recorded_in_the_register(
    organisation: Organisation, staff: User
) -> None:
    seal = seal_install(
        organisation=organisation, actor=staff, pkcs12=to_pkcs12(_seal(), b"pw"), password="pw"
    )
    assert seal.active
    record = SealCertificate.objects.get(organisation=organisation, fingerprint_sha256=seal.fingerprint)
    assert record.organization_identifier == "VATFR-12345678901"


def test_only_a_platform_administrator_may_confirm_another_identifier_and_it_is_audited(
    organisation: Organisation, staff: User
) -> None:
    other = _seal("VATBE-0999999999")
    with pytest.raises(ApplicationError):  # an organisation administrator cannot override
        seal_store(organisation=organisation, seal_key=other, actor=staff, confirm_identifier=True)
    admin = User.objects.create_superuser("root@demo.example", "a-long-Passphrase-42")
    seal = seal_store(organisation=organisation, seal_key=other, actor=admin, confirm_identifier=True)
    event = AuditEvent.objects.filter(
        organisation=organisation, action=AuditEvent.Action.SEAL_CHANGED
    ).latest("at")
    assert event.details["confirmed_by_platform_administrator"] is True
    assert event.details["certificate_organisation_identifier"] == "VATBE-0999999999"
    assert event.actor == admin and seal.active


def test_the_seal_page_shows_why_another_organisations_certificate_is_refused(
    client: Client, organisation: Organisation, staff: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    before = OrganisationSeal.objects.filter(organisation=organisation).count()
    response = client.post(
        f"/issuing/o/{organisation.slug}/seal/",
        {
            "pkcs12": SimpleUploadedFile("seal.p12", to_pkcs12(_seal("VATBE-0999999999"), b"pw")),
            "password": "pw",
        },
    )
    assert response.status_code == 200
    assert "belongs to another organisation" in response.content.decode()
    assert (
        "confirm_identifier" not in response.content.decode()
    )  # the override is for platform administrators
    _unchanged(organisation, before)
