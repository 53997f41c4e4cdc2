from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuingConfig(AppConfig):
    name = "issuing"
    verbose_name = _("Issuing")

    def ready(self) -> None:
        from europass.status.signing import register_key_source

        from .services.seals import status_signing_key

        register_key_source(status_signing_key)
