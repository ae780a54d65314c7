"""How this app's audit actions read in the audit log (merged into alliances.models.AUDIT_ACTION_LABELS).

Downloads of a report's files are recorded as `file.downloaded` (alliances.views.audited_file_response)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "reports.annual_report.generated": _("Annual report generated"),
}
