from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Annual reports (immutable snapshots), the secretariat dashboard and the bureau portal.

    Its own app because it reads every other app (members, governance, subsidies, events): kept in
    `alliances` it would make the tenant app depend on the apps that depend on it.
    """

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from alliances.models import AUDIT_ACTION_LABELS

        from . import jobs  # noqa: F401  (registers the reports.annual job kind)
        from .audit_labels import LABELS

        AUDIT_ACTION_LABELS.update(LABELS)
