from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "europass.registry"
    label = "registry"
    verbose_name = _("Register of qualifications and awarding bodies")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the register-version signals)
