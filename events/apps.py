from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from alliances.models import AUDIT_ACTION_LABELS

        from .audit_labels import LABELS

        AUDIT_ACTION_LABELS.update(LABELS)
