"""Background work on members: the roster export (XLSX)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from alliances.jobs import JobOutcome, job_kind
from alliances.permissions import Action
from alliances.spreadsheets import safe_cell

from .filters import MemberUnitFilter
from .models import MemberUnit

CHUNK = 500


@job_kind(
    "members.export_roster", label=gettext_lazy("Member roster export"), required_action=Action.RUN_EXPORTS
)
def export_roster(job, report_progress) -> JobOutcome:
    """Write the (filtered) member list to XLSX, reporting progress per chunk. Safe to run again."""
    filterset = MemberUnitFilter(job.parameters.get("filters") or None, queryset=MemberUnit.objects.all())
    units = (filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset).order_by(
        "kind", "name"
    )
    total = units.count()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Members"))
    sheet.append([_("Member number"), _("Name"), _("Type"), _("Unified social credit code"),
                  _("Council role"), _("Status"), _("Division code"), _("Address")])  # fmt: skip
    written = 0
    for unit in units.iterator(chunk_size=CHUNK):
        sheet.append([safe_cell(value) for value in (
            unit.member_number, unit.name, unit.get_kind_display(), unit.credit_code,
            unit.get_council_role_display(), unit.get_status_display(), unit.division_code, unit.address,
        )])  # fmt: skip
        written += 1
        if written % CHUNK == 0:
            report_progress(
                written * 100 // max(total, 1),
                _("%(done)d of %(total)d rows") % {"done": written, "total": total},
            )
    buffer = BytesIO()
    workbook.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return JobOutcome(
        message=_("%(count)d members exported.") % {"count": written},
        filename=f"members-{job.alliance.slug}-{stamp}.xlsx",
        content=buffer.getvalue(),
        result={"rows": written},
    )
