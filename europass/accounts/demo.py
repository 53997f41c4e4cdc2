"""Demo users (idempotent): a staff member of the demo awarding body, a citizen and a platform admin."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from europass.registry.models import Organisation

from .models import Membership, User

ISSUER_EMAIL = "issuer@demo.europass.test"
CITIZEN_EMAIL = "citizen@demo.europass.test"
ADMIN_EMAIL = "admin@demo.europass.test"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


def _user(email: str, password: str, *, full_name: str, staff: bool = False, superuser: bool = False) -> User:
    user, _ = User.objects.get_or_create(email=email)
    user.full_name = full_name
    user.is_staff = staff
    user.is_superuser = superuser
    user.is_active = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def setup_users(organisation: Organisation, *, password: str) -> list[DemoLogin]:
    issuer = _user(ISSUER_EMAIL, password, full_name="Iris Issuer", staff=True)
    Membership.objects.update_or_create(
        user=issuer, organisation=organisation, defaults={"role": Membership.Role.ADMIN}
    )
    _user(CITIZEN_EMAIL, password, full_name="Camille Martin")
    _user(ADMIN_EMAIL, password, full_name="Platform Admin", staff=True, superuser=True)
    return [
        DemoLogin("issuer staff (admin of the demo awarding body)", ISSUER_EMAIL, password),
        DemoLogin("citizen (wallet holder)", CITIZEN_EMAIL, password),
        DemoLogin("platform admin", ADMIN_EMAIL, password),
    ]
