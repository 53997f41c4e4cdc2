from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm

from .throttling import forget_attempt, refuse_if_locked


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form under the same lockout as allauth's (``europass.accounts.throttling``)."""

    def clean(self) -> dict[str, Any]:
        refuse_if_locked(self.request, self.cleaned_data.get("username"))
        return super().clean()

    def confirm_login_allowed(self, user: Any) -> None:
        # The password was right (even if the account may not use the admin): not a failure.
        if self.request is not None and self.cleaned_data.get("username"):
            forget_attempt(self.request, self.cleaned_data["username"])
        super().confirm_login_allowed(user)
