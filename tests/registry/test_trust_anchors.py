"""Trust anchors: only readable CA certificates, one per fingerprint, and a trust store rebuilt only on change."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from europass.accounts.models import User
from europass.core.errors import ApplicationError, Conflict
from europass.registry import selectors
from europass.registry.models import TrustAnchor
from europass.registry.services import (
    trust_anchor_add,
    trust_anchor_deactivate,
    trust_anchor_ensure,
)

from .pki import make_certificate

pytestmark = pytest.mark.django_db


def test_a_pem_ca_certificate_becomes_an_active_anchor_with_its_subject_validity_and_fingerprint() -> None:
    ca = make_certificate("Root CA for seals")
    anchor = trust_anchor_add(pem=ca.pem.decode(), name="Root", qualified_for_seals=True)
    assert anchor.active and anchor.qualified_for_seals and anchor.source == "manual"
    assert "Root CA for seals" in anchor.subject
    assert anchor.fingerprint_sha256 == hashlib.sha256(ca.der).hexdigest()
    assert anchor.not_valid_before < anchor.not_valid_after
    assert anchor.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")


def test_text_that_is_not_a_certificate_is_refused_with_a_message() -> None:
    with pytest.raises(ApplicationError) as refused:
        trust_anchor_add(
            pem="-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            name="junk",
        )
    assert refused.value.code == "certificate_unreadable"
    assert "certificate" in refused.value.message
    assert not TrustAnchor.objects.exists()


def test_an_end_entity_certificate_cannot_become_a_trust_anchor() -> None:
    ca = make_certificate("Issuing CA")
    seal = make_certificate("Demo University seal", ca=False, issuer=ca)
    with pytest.raises(ApplicationError) as refused:
        trust_anchor_add(pem=seal.pem, name="seal")
    assert refused.value.code == "certificate_not_ca"
    assert not TrustAnchor.objects.exists()


def test_the_same_certificate_cannot_be_added_twice_but_ensure_is_idempotent() -> None:
    ca = make_certificate("Root")
    first = trust_anchor_add(pem=ca.pem, name="Root")
    with pytest.raises(Conflict):
        trust_anchor_add(pem=ca.der, name="Root again, as DER")
    trust_anchor_deactivate(anchor=first)
    again = trust_anchor_ensure(pem=ca.pem, name="Root")
    assert again.pk == first.pk and again.active
    assert TrustAnchor.objects.count() == 1


def test_the_trust_store_is_cached_until_an_anchor_changes() -> None:
    from europass.sealing.trust import TrustStore

    first_ca, second_ca = make_certificate("First root"), make_certificate("Second root")
    first = trust_anchor_add(pem=first_ca.pem, name="First root", qualified_for_seals=True)

    store = selectors.trust_store()
    assert isinstance(store, TrustStore)
    assert selectors.trust_store() is store  # not rebuilt per call
    assert _anchor_ders(store) == {first_ca.der}

    trust_anchor_add(pem=second_ca.pem, name="Second root")
    grown = selectors.trust_store()
    assert grown is not store
    assert _anchor_ders(grown) == {first_ca.der, second_ca.der}
    assert selectors.trust_store() is grown

    trust_anchor_deactivate(anchor=first)
    assert _anchor_ders(selectors.trust_store()) == {second_ca.der}


def test_a_new_trust_version_from_another_process_makes_this_process_rebuild_its_store() -> None:
    ca = make_certificate("Root")
    store = selectors.trust_store()
    TrustAnchor.objects.create(  # as if written and announced by another process
        name="Root",
        certificate_pem=ca.pem.decode(),
        fingerprint_sha256="0" * 64,
        subject="CN=Root",
        not_valid_before=ca.certificate.not_valid_before_utc,
        not_valid_after=ca.certificate.not_valid_after_utc,
    )
    assert selectors.trust_store() is store
    cache.set(selectors.TRUST_VERSION_KEY, "announced-by-another-process", timeout=None)
    selectors.TRUST_VERSION.forget()  # a second later: this process reads the shared version again
    assert _anchor_ders(selectors.trust_store()) == {ca.der}


def _anchor_ders(store: object) -> set[bytes]:
    anchors = getattr(store, "anchors")
    return {anchor.certificate_der for anchor in anchors}


def test_only_platform_admins_see_trust_anchors_in_the_admin(
    client: Client, django_user_model: type[User]
) -> None:
    staff = django_user_model.objects.create_user(email="staff@example.eu", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/registry/trustanchor/").status_code == 403
    root = django_user_model.objects.create_superuser(email="root@example.eu", password="x")
    client.force_login(root)
    ca = make_certificate("Uploaded root")
    response = client.post(
        "/admin/registry/trustanchor/add/",
        {
            "name": "Uploaded",
            "qualified_for_seals": "on",
            "certificate_file": SimpleUploadedFile("ca.pem", ca.pem),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    anchor = TrustAnchor.objects.get()
    assert anchor.qualified_for_seals and anchor.name == "Uploaded"
    listing = client.get("/admin/registry/trustanchor/").content.decode()
    assert "Uploaded root" in listing


def test_the_admin_refuses_an_end_entity_certificate_with_a_message(
    client: Client, django_user_model: type[User]
) -> None:
    client.force_login(django_user_model.objects.create_superuser(email="root@example.eu", password="x"))
    leaf = make_certificate("Leaf", ca=False, issuer=make_certificate("CA"))
    response = client.post("/admin/registry/trustanchor/add/", {"name": "Leaf", "pem": leaf.pem.decode()})
    assert response.status_code == 200
    assert "not a CA certificate" in response.content.decode()
    assert not TrustAnchor.objects.exists()
