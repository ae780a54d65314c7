"""Import of member units from Excel: the upload page, the template, the result (with job progress) and the
error report. The work is done by members/imports.py."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from alliances.generic import AllianceDetailView, AllianceView
from alliances.models import Job
from alliances.permissions import Action
from alliances.spreadsheets import XLSX_CONTENT_TYPE
from alliances.views import audited_file_response

from ..imports import (
    IMPORT_INLINE_LIMIT,
    IMPORT_JOB_KIND,
    MAX_FILE_BYTES,
    MAX_ROWS,
    build_error_report,
    build_template,
    error_report_filename,
    start_import,
)

ERRORS_SHOWN = 500  # on the page; the report has them all


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in template (.xlsx)"),
        allow_empty_file=True,  # an empty file gets the import's own message
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )


class MemberImportView(AllianceView, FormView):
    """Upload a filled-in template; small files are imported at once, large ones by a background job."""

    template_name = "members/import.html"
    required_action = Action.MANAGE_MEMBERS
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS, inline_limit=IMPORT_INLINE_LIMIT)
        return context

    def form_valid(self, form):
        outcome = start_import(
            alliance=self.alliance, upload=form.cleaned_data["file"], requested_by=self.request.user
        )
        slug = self.alliance.slug
        if outcome.file_error:
            form.add_error("file", outcome.file_error)
            return self.form_invalid(form)
        if outcome.job is not None:
            messages.info(
                self.request,
                _("The file is being imported in the background; this page shows how far it got."),
            )
            return redirect("member-import-result", alliance_slug=slug, job_id=outcome.job.pk)
        if outcome.report_job is not None:
            return redirect("member-import-result", alliance_slug=slug, job_id=outcome.report_job.pk)
        messages.success(self.request, _("%(count)d member units imported.") % {"count": outcome.created})
        return redirect("member-list", alliance_slug=slug)


class MemberImportTemplateView(AllianceView, View):
    required_action = Action.MANAGE_MEMBERS

    def get(self, request, alliance_slug):
        return HttpResponse(
            build_template(),
            content_type=XLSX_CONTENT_TYPE,
            headers={"Content-Disposition": content_disposition_header(True, "成员单位导入模板.xlsx")},
        )


def import_jobs():
    return Job.objects.filter(kind=IMPORT_JOB_KIND).select_related("requested_by")


class MemberImportResultView(AllianceDetailView):
    """Progress of an import job, then its outcome: the problems found, or how many units were imported."""

    template_name = "members/import_result.html"
    required_action = Action.MANAGE_MEMBERS
    context_object_name = "job"

    def get_queryset(self):
        return import_jobs()

    def get_template_names(self):
        if self.request.htmx:
            return ["members/import_result_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.object.result or {}
        errors = result.get("errors") or []
        context.update(
            result=result,
            errors=errors[:ERRORS_SHOWN],
            error_count=result.get("error_count", len(errors)),
            errors_hidden=max(result.get("error_count", len(errors)) - ERRORS_SHOWN, 0),
            has_row_errors=any(error.get("row") is not None for error in errors),
            statuses=result.get("statuses") or {},
        )
        return context


class MemberImportErrorsView(AllianceDetailView):
    """The error report of an import (XLSX), every download audited."""

    required_action = Action.MANAGE_MEMBERS

    def get_queryset(self):
        return import_jobs()

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        if job.result_file:
            return audited_file_response(job.result_file, job)
        errors = (job.result or {}).get("errors") or []
        if not errors:
            raise Http404
        from alliances.audit import record_event

        filename = error_report_filename(job)
        record_event("file.downloaded", job, detail={"file": filename})
        return HttpResponse(
            build_error_report(errors),
            content_type=XLSX_CONTENT_TYPE,
            headers={"Content-Disposition": content_disposition_header(True, filename)},
        )
