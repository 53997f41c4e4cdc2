"""Signing in lands where the person was going, else in their own area (issuing for staff, the wallet for citizens)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-42"


def _user(email: str, **extra: bool) -> User:
    user = User.objects.create_user(email, PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _staff(email: str = "staff@school.example") -> User:
    organisation = Organisation.objects.create(
        slug="school", legal_name="School", legal_identifier="VATFR-1", country="FR"
    )
    user = _user(email, is_staff=True)
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ISSUER)
    return user


def _sign_in(client: Client, email: str, next_url: str | None = None) -> str:
    data = {"login": email, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(reverse("account_login"), data)
    assert response.status_code == 302, response.content[:500]
    return str(response.headers["Location"])


def test_staff_of_an_awarding_body_land_on_the_issuing_face(client: Client) -> None:
    _staff()
    assert _sign_in(client, "staff@school.example") == reverse("issuing:dashboard")


def test_a_citizen_lands_on_their_wallet(client: Client) -> None:
    _user("citizen@example.org")
    landing = _sign_in(client, "citizen@example.org")
    assert landing == reverse("wallet:index")
    assert client.get(landing).status_code == 200


def test_a_platform_administrator_lands_on_the_issuing_face_with_every_organisation(client: Client) -> None:
    Organisation.objects.create(slug="school", legal_name="School", legal_identifier="VATFR-1", country="FR")
    _user("root@example.org", is_staff=True, is_superuser=True)
    landing = _sign_in(client, "root@example.org")
    assert landing == reverse("issuing:dashboard")
    assert "School" in client.get(landing).content.decode()


def test_an_account_with_admin_access_but_no_organisation_lands_on_the_administration_site(
    client: Client,
) -> None:
    _user("helpdesk@example.org", is_staff=True)
    assert _sign_in(client, "helpdesk@example.org") == reverse("admin:index")


def test_the_page_asked_for_wins_over_the_own_area(client: Client) -> None:
    _staff()
    assert _sign_in(client, "staff@school.example", next_url="/verify/") == "/verify/"


def test_a_next_address_on_another_site_is_ignored(client: Client) -> None:
    _user("citizen@example.org")
    assert _sign_in(client, "citizen@example.org", next_url="https://evil.example/") == reverse(
        "wallet:index"
    )


def test_a_page_that_asks_to_sign_in_is_where_the_sign_in_returns(client: Client) -> None:
    _user("citizen@example.org")
    asked = reverse("wallet:upload")
    login_page = client.get(asked, follow=True)
    assert login_page.redirect_chain[-1][0].startswith(reverse("account_login"))
    # The sign-in form carries the page asked for.
    assert f'name="next" value="{asked}"' in login_page.content.decode()
    assert _sign_in(client, "citizen@example.org", next_url=asked) == asked
    assert client.get(asked).status_code == 200


def test_a_citizen_who_just_confirmed_their_email_lands_on_their_wallet(
    client: Client, settings: object
) -> None:
    from django.core import mail

    client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    link = next(line for line in str(mail.outbox[-1].body).splitlines() if "/accounts/confirm-email/" in line)
    client.post(link.strip().split("testserver", 1)[-1])
    assert _sign_in(client, "new@example.org") == reverse("wallet:index")
