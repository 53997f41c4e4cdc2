from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "europass.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .throttling import connect_signals

        connect_signals()  # the sign-in lockout counts failures and successes of every authenticate()
