"""Background work on members: the roster export (XLSX)."""

from io import BytesIO

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from alliances.jobs import JobOutcome, job_kind
from alliances.locale import deferred_text
from alliances.permissions import Action
from alliances.spreadsheets import safe_cell

from .filters import MemberUnitFilter
from .models import Contact, MemberUnit

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
    if job.parameters.get("ids"):  # units ticked on the list page
        units = units.filter(pk__in=job.parameters["ids"])
    units = units.select_related("industry_division").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True))
    )
    total = units.count()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Members"))
    sheet.append([_("Member number"), _("Name"), _("Short name"), _("Type"), _("Unified social credit code"),
                  _("Council role"), _("Status"), _("Admitted on"), _("Legal representative"), _("Division code"),
                  _("Address"), _("Industry"), _("Employees"), _("Students enrolled"), _("Contact name"),
                  _("E-mail")])  # fmt: skip
    written = 0
    for unit in units.iterator(chunk_size=CHUNK):
        contact = next(iter(unit.contacts.all()), None)
        sheet.append([safe_cell(value) for value in (
            unit.member_number, unit.name, unit.short_name, unit.get_kind_display(), unit.credit_code,
            unit.get_council_role_display(), unit.get_status_display(), unit.admitted_on, unit.legal_representative,
            unit.division_code, unit.address, str(unit.industry_division or ""), unit.employee_count, unit.enrolment,
            contact.name if contact else "", contact.email if contact else "",
        )])  # fmt: skip
        written += 1
        if written % CHUNK == 0:
            report_progress(
                written * 100 // max(total, 1),
                deferred_text(gettext_lazy("%(done)d of %(total)d rows"), {"done": written, "total": total}),
            )
    buffer = BytesIO()
    workbook.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return JobOutcome(
        message=deferred_text(gettext_lazy("%(count)d members exported."), {"count": written}),
        filename=f"members-{job.alliance.slug}-{stamp}.xlsx",
        content=buffer.getvalue(),
        result={"rows": written},
    )


# -- import (the handler lives in members/imports.py)
from .imports import IMPORT_JOB_KIND, run_import_job  # noqa: E402

job_kind(IMPORT_JOB_KIND, label=gettext_lazy("Member roster import"), required_action=Action.MANAGE_MEMBERS)(
    run_import_job
)
