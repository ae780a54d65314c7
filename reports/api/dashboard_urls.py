"""API under /api/v1/alliances/<alliance_slug>/: the dashboard figures."""

from django.urls import path

from .dashboard import DashboardView

urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
]
