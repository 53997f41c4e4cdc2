from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Citizens may sign up; staff accounts are created by their organisation's administrator."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
