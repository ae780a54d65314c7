from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        from config import guards  # noqa: F401  (the SECRET_KEY system check)

        from . import signals  # noqa: F401  (login, logout and failed-login auditing)
