"""Annual reports under /api/v1/alliances/<alliance_slug>/reports/.

- `GET reports/` (filter `year`) and `GET reports/<id>/` (with the figures): metadata and SHA-256 of both files.
- `POST reports/generate/` `{year}` starts the report as a background job: 202 with the job and its URL to poll;
  the finished job's `result` names the report (`annual_report`). 400 for a year that cannot have a report.
- `GET reports/<id>/xlsx/` and `reports/<id>/pdf/`: the files; every download is audited (`file.downloaded`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.serializers import JobSerializer
from alliances.permissions import Action
from alliances.views import audited_file_response

from ..filters import AnnualReportFilter
from ..models import AnnualReport
from ..services import request_annual_report
from .serializers import (
    AnnualReportDetailSerializer,
    AnnualReportSerializer,
    GenerateReportSerializer,
    ReportRequestedSerializer,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@extend_schema_view(
    list=extend_schema(summary=_("Annual reports of the alliance")),
    retrieve=extend_schema(summary=_("An annual report with its figures")),
)
class AnnualReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = AnnualReportSerializer
    filterset_class = AnnualReportFilter
    required_action = Action.VIEW_REPORTS
    required_actions = {"generate": Action.GENERATE_REPORTS}
    lookup_url_kwarg = "annualreport_id"
    lookup_value_regex = r"\d+"
    queryset = AnnualReport.objects.all()

    def get_queryset(self):
        reports = AnnualReport.objects.order_by("-year", "-version")
        return reports if self.action == "retrieve" else reports.defer("figures")

    def get_serializer_class(self):
        return AnnualReportDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "alliance_slug": self.kwargs.get("alliance_slug")}

    @extend_schema(
        request=GenerateReportSerializer, responses={202: ReportRequestedSerializer},
        summary=_("Generate the annual report of a year (background job)"),
    )  # fmt: skip
    @action(detail=False, methods=["post"], serializer_class=GenerateReportSerializer, filter_backends=[],
            pagination_class=None)  # fmt: skip
    def generate(self, request, *args, **kwargs):
        serializer = GenerateReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job, created = request_annual_report(self.alliance, serializer.validated_data["year"], user=request.user)
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        url = reverse("api:job-detail", kwargs={"alliance_slug": self.alliance.slug, "job_id": job.pk})
        return Response(
            {"job": JobSerializer(job, context=self.get_serializer_context()).data,
             "job_url": request.build_absolute_uri(url), "created": created},
            status=status.HTTP_202_ACCEPTED,
        )  # fmt: skip

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY}, summary=_("The report's XLSX workbook"))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def xlsx(self, request, *args, **kwargs):
        report = self.get_object()
        return audited_file_response(report.xlsx_file, report)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary=_("The report's PDF document"))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def pdf(self, request, *args, **kwargs):
        report = self.get_object()
        return audited_file_response(report.pdf_file, report)
