from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse

from europass.core.throttling import client_address

from .throttling import LOGIN_FIELDS, forget_attempt, refuse_if_locked


def landing_url(user: Any) -> str:
    """Where a user's own area is: the issuing face for staff of an awarding body and platform administrators
    (who see every organisation there), the administration site for other accounts with admin access, the wallet
    for citizens."""
    if user.is_superuser or user.memberships.exists():
        return reverse("issuing:dashboard")
    if user.is_staff:
        return reverse("admin:index")
    return reverse("wallet:index")


def _login(credentials: dict[str, Any]) -> str | None:
    return next((credentials[field] for field in LOGIN_FIELDS if credentials.get(field)), None)


class AccountAdapter(DefaultAccountAdapter):
    """Citizens may sign up; staff accounts are created by their organisation's administrator."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """After signing in, when no page was asked for (a safe ``next`` wins: allauth checks it first)."""
        return landing_url(request.user)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return (
            landing_url(request.user)
            if request.user.is_authenticated
            else super().get_signup_redirect_url(request)
        )

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's own per-address limits (sign-up, password reset...) see the client every rate limit sees."""
        return client_address(request) or super().get_client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """The portal's sign-in lockout (``europass.accounts.throttling``), with its sentence, before allauth's."""
        refuse_if_locked(request, _login(credentials))
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """A right password is not a failure, even when the sign-in goes no further (email not verified yet,
        re-authentication)."""
        user = super().authenticate(request, **credentials)
        login = _login(credentials)
        if user is not None and login:
            forget_attempt(request, login)
        return user
