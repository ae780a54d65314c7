"""Annual report pages under /a/<alliance_slug>/reports/annual/ (names used by the dashboard and the bureau portal)."""

from django.urls import path

from . import views

urlpatterns = [
    path("reports/annual/", views.AnnualReportListView.as_view(), name="annual-report-list"),
    path("reports/annual/generate/", views.AnnualReportGenerateView.as_view(), name="annual-report-generate"),
    path(
        "reports/annual/<int:annualreport_id>/", views.AnnualReportDetailView.as_view(), name="annual-report-detail"
    ),
    path(
        "reports/annual/<int:annualreport_id>/xlsx/", views.AnnualReportXlsxView.as_view(), name="annual-report-xlsx"
    ),
    path("reports/annual/<int:annualreport_id>/pdf/", views.AnnualReportPdfView.as_view(), name="annual-report-pdf"),
]
