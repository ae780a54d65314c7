"""Pages under /a/<alliance_slug>/ (tenant pages) and platform pages."""

from django.urls import path

from . import views

tenant_urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("jobs/", views.JobListView.as_view(), name="job-list"),
    path("jobs/<int:job_id>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/download/", views.JobDownloadView.as_view(), name="job-download"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("roles/", views.GrantListView.as_view(), name="grant-list"),
    path("roles/<int:grant_id>/revoke/", views.GrantRevokeView.as_view(), name="grant-revoke"),
]

platform_urlpatterns = [
    path("audit/", views.PlatformAuditLogView.as_view(), name="platform-audit"),
    path("security/", views.PlatformSecurityView.as_view(), name="platform-security"),
    path(
        "security/accounts/<int:user_id>/active/",
        views.AccountActiveView.as_view(),
        name="platform-account-active",
    ),
    path(
        "security/accounts/<int:user_id>/second-factor/reset/",
        views.SecondFactorResetView.as_view(),
        name="platform-second-factor-reset",
    ),
]
