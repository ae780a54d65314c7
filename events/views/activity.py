"""Dormant members, for the secretariat: current members with no attendance, no cooperation record signed or started
and no subsidy claim submitted in the last 12 months (or another number), with their last activity and admission
dates; and the same list as an Excel file."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from openpyxl import Workbook

from alliances.audit import record_event
from alliances.generic import PAGE_SIZE, AllianceView
from alliances.permissions import Action
from alliances.spreadsheets import XLSX_CONTENT_TYPE, safe_cell

from ..activity import dormant_cutoff, dormant_members
from ..forms.cooperation import DormantForm


def _selection(request):
    form = DormantForm(request.GET or None)
    months, include_new = form.values()
    today = timezone.localdate()
    units = dormant_members(months, today=today, include_new=include_new).only(
        "pk", "alliance_id", "name", "kind", "status", "member_number", "admitted_on"
    )
    return form, months, include_new, dormant_cutoff(months, today), units


class DormantMembersView(AllianceView, ListView):
    template_name = "events/dormant_members.html"
    required_action = Action.MANAGE_MEMBERS
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.form, self.months, self.include_new, self.cutoff, units = _selection(self.request)
        return units

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=self.form, months=self.months, cutoff=self.cutoff, include_new=self.include_new,
            query_without_page=query.urlencode(),
        )  # fmt: skip
        return context


class DormantMembersExportView(AllianceView, View):
    required_action = Action.MANAGE_MEMBERS

    def get(self, request, alliance_slug):
        form, months, include_new, cutoff, units = _selection(request)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Dormant members")[:31])
        sheet.append([
            _("Member number"), _("Name"), _("Type"), _("Status"), _("Admitted on"), _("Last activity"),
        ])  # fmt: skip
        count = 0
        for unit in units.iterator(chunk_size=2000):
            sheet.append([
                safe_cell(unit.member_number), safe_cell(unit.name), str(unit.get_kind_display()),
                str(unit.get_status_display()), unit.admitted_on, unit.last_activity_on,
            ])  # fmt: skip
            count += 1
        buffer = BytesIO()
        workbook.save(buffer)
        record_event(
            "events.dormant_members.exported", self.alliance,
            detail={"months": months, "include_new": include_new, "rows": count},
        )  # fmt: skip
        response = HttpResponse(
            buffer.getvalue(),
            content_type=XLSX_CONTENT_TYPE,
        )
        filename = _("dormant-members-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()}
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
