"""Annual reports in the API: metadata (the figures on request), and the request to generate one."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alliances.api.serializers import JobSerializer

from ..models import AnnualReport


class AnnualReportSerializer(serializers.ModelSerializer):
    generated_by = serializers.CharField(source="generated_by_label", read_only=True)
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = AnnualReport
        fields = ["id", "year", "version", "parameters", "generator_version", "generated_at", "generated_by", "job",
                  "xlsx_sha256", "xlsx_size", "xlsx_url", "pdf_sha256", "pdf_size", "pdf_url"]  # fmt: skip
        read_only_fields = fields

    def _url(self, report, name: str) -> str:
        path = reverse(f"api:annual-report-{name}",
                       kwargs={"alliance_slug": self.context["alliance_slug"], "annualreport_id": report.pk})  # fmt: skip
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_xlsx_url(self, report) -> str:
        return self._url(report, "xlsx")

    def get_pdf_url(self, report) -> str:
        return self._url(report, "pdf")


class AnnualReportDetailSerializer(AnnualReportSerializer):
    figures = serializers.JSONField(
        read_only=True, help_text=_("The figures both files were rendered from, with their definitions.")
    )

    class Meta(AnnualReportSerializer.Meta):
        fields = [*AnnualReportSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class GenerateReportSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("The calendar year to report on (from the founding year to this year)."))


class ReportRequestedSerializer(serializers.Serializer):
    job = JobSerializer()
    job_url = serializers.URLField()
    created = serializers.BooleanField(help_text=_("False when the same year's report was being generated already."))
