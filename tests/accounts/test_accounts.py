"""Citizens sign up with a verified email; staff see only their own organisation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation

pytestmark = pytest.mark.django_db


def test_a_citizen_signs_up_verifies_the_email_and_logs_in(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "lea@example.org",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="lea@example.org").exists()
    # Not verified yet: signing in is refused and a verification email is (re)sent.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    path = link.group(0).split("testserver", 1)[-1]
    confirm = client.post(path)
    assert confirm.status_code == 302
    client.logout()
    login = client.post(
        reverse("account_login"), {"login": "lea@example.org", "password": "a-long-Passphrase-42"}
    )
    assert login.status_code == 302
    assert client.get(reverse("wallet:index")).status_code == 200


def test_an_unverified_citizen_cannot_sign_in(client: Client) -> None:
    User.objects.create_user("unverified@example.org", "a-long-Passphrase-42")
    response = client.post(
        reverse("account_login"), {"login": "unverified@example.org", "password": "a-long-Passphrase-42"}
    )
    assert "/accounts/confirm-email/" in response.headers.get("Location", "")
    assert client.get(reverse("wallet:index")).status_code == 302


def test_the_wallet_asks_an_anonymous_visitor_to_sign_in(client: Client) -> None:
    response = client.get(reverse("wallet:index"))
    assert response.status_code == 302 and reverse("account_login") in response.headers["Location"]


def test_password_reset_sends_an_email_with_a_link(client: Client) -> None:
    User.objects.create_user("forgetful@example.org", "a-long-Passphrase-42")
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


def _staff_of(organisation: Organisation, email: str, role: str = Membership.Role.ADMIN) -> User:
    user = User.objects.create_user(email, "a-long-Passphrase-42", is_staff=True)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def test_staff_of_one_organisation_cannot_open_another_organisations_admin_objects(client: Client) -> None:
    mine = Organisation.objects.create(
        slug="mine", legal_name="Mine", legal_identifier="VATFR-1", country="FR"
    )
    theirs = Organisation.objects.create(
        slug="theirs", legal_name="Theirs", legal_identifier="VATBE-2", country="BE"
    )
    client.force_login(_staff_of(mine, "staff@mine.example"))
    own = client.get(reverse("admin:registry_organisation_change", args=[mine.pk]))
    assert own.status_code == 200
    other = client.get(reverse("admin:registry_organisation_change", args=[theirs.pk]))
    assert other.status_code in (302, 403, 404)
    assert b"Theirs" not in other.content
    listing = client.get(reverse("admin:registry_organisation_changelist"))
    assert b"Mine" in listing.content and b"Theirs" not in listing.content
    changed = client.post(
        reverse("admin:registry_organisation_change", args=[theirs.pk]),
        {"legal_name": "Hijacked", "slug": "theirs", "legal_identifier": "X", "country": "BE"},
    )
    assert changed.status_code in (302, 403, 404)
    theirs.refresh_from_db()
    assert theirs.legal_name == "Theirs"


def test_an_issuer_who_is_not_admin_can_read_but_not_edit_the_organisation(client: Client) -> None:
    mine = Organisation.objects.create(
        slug="mine", legal_name="Mine", legal_identifier="VATFR-1", country="FR"
    )
    client.force_login(_staff_of(mine, "issuer@mine.example", role=Membership.Role.ISSUER))
    client.post(
        reverse("admin:registry_organisation_change", args=[mine.pk]),
        {"legal_name": "Renamed", "slug": "mine", "legal_identifier": "VATFR-1", "country": "FR"},
    )
    mine.refresh_from_db()
    assert mine.legal_name == "Mine"
