from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self):
        from alliances.models import AUDIT_ACTION_LABELS

        from . import jobs  # noqa: F401  (registers the subsidy job kinds)
        from .audit_labels import LABELS

        AUDIT_ACTION_LABELS.update(LABELS)
