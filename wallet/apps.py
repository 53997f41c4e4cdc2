from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = _("Wallet")

    def ready(self) -> None:
        from verification.links import register_link_resolver

        from .services import shared_xml_for_path

        register_link_resolver(shared_xml_for_path)
