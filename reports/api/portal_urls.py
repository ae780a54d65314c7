"""API under /api/v1/bureau/: the bureau portal's cross-alliance summary."""

from django.urls import path

from .portal import BureauSummaryView

urlpatterns = [
    path("summary/", BureauSummaryView.as_view(), name="bureau-summary"),
]
