"""Annual report pages: the list of an alliance's reports by year and version, the form that starts a report (and
its progress), one report's page, and audited downloads of its two files.

Reading needs Action.VIEW_REPORTS, starting a report Action.GENERATE_REPORTS (secretariat and bureau officials).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from alliances.generic import AllianceDetailView, AllianceListView, AllianceView
from alliances.models import ACTIVE_JOB_STATUSES, Job
from alliances.permissions import Action
from alliances.views import audited_file_response

from .filters import AnnualReportFilter
from .forms import GenerateReportForm
from .jobs import section_labels
from .models import AnnualReport
from .services import JOB_KIND, request_annual_report

RECENT_JOBS = 5


class AnnualReportListView(AllianceListView):
    template_name = "reports/annualreport_list.html"
    required_action = Action.VIEW_REPORTS
    filterset_class = AnnualReportFilter
    context_object_name = "reports"

    def get_queryset(self):
        self.queryset = AnnualReport.objects.select_related("generated_by").defer("figures").order_by(
            "-year", "-version"
        )
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_generate = self.membership.can(Action.GENERATE_REPORTS)
        context["can_generate"] = can_generate
        if can_generate:
            context["form"] = kwargs.get("form") or GenerateReportForm(alliance=self.alliance)
        # Reports being made now, and the one just asked for (until it is seen finished).
        jobs = Job.objects.filter(kind=JOB_KIND).select_related("requested_by").order_by("-created_at", "-pk")
        shown = self.request.GET.get("job")
        active = list(jobs.filter(status__in=ACTIVE_JOB_STATUSES)[:RECENT_JOBS])
        if shown and shown.isdigit() and all(job.pk != int(shown) for job in active):
            active += list(jobs.filter(pk=int(shown)))
        context["jobs"] = active
        return context


class AnnualReportGenerateView(AllianceView, View):
    """POST: start the report of a year (a new version when one exists) and go back to the list with its progress."""

    required_action = Action.GENERATE_REPORTS

    def post(self, request, alliance_slug):
        form = GenerateReportForm(request.POST, alliance=self.alliance)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("annual-report-list", alliance_slug=alliance_slug)
        try:
            job, created = request_annual_report(self.alliance, form.cleaned_data["year"], user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("annual-report-list", alliance_slug=alliance_slug)
        if not created:
            messages.info(request, _("The report of this year is being generated already; here is its progress."))
        return redirect(f"{reverse('annual-report-list', kwargs={'alliance_slug': alliance_slug})}?job={job.pk}")


class AnnualReportDetailView(AllianceDetailView):
    template_name = "reports/annualreport_detail.html"
    required_action = Action.VIEW_REPORTS
    context_object_name = "report"

    def get_queryset(self):
        return AnnualReport.objects.select_related("generated_by", "job")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        context["sections"] = section_labels()
        context["other_versions"] = list(
            AnnualReport.objects.filter(year=report.year).exclude(pk=report.pk).defer("figures").order_by("-version")
        )
        return context


class _AnnualReportFileView(AllianceDetailView):
    """Serve one of the report's files as an attachment; every download is audited (file.downloaded)."""

    required_action = Action.VIEW_REPORTS
    field_name = ""

    def get_queryset(self):
        return AnnualReport.objects.defer("figures")

    def get(self, request, *args, **kwargs):
        report = self.get_object()
        field_file = getattr(report, self.field_name)
        if not field_file:
            raise Http404
        return audited_file_response(field_file, report)


class AnnualReportXlsxView(_AnnualReportFileView):
    field_name = "xlsx_file"


class AnnualReportPdfView(_AnnualReportFileView):
    field_name = "pdf_file"
