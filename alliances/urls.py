"""Pages under /a/<alliance_slug>/ (tenant pages) and platform pages."""

from django.urls import path

from . import governance_views, views

tenant_urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("jobs/", views.JobListView.as_view(), name="job-list"),
    path("jobs/<int:job_id>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/download/", views.JobDownloadView.as_view(), name="job-download"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("roles/", views.GrantListView.as_view(), name="grant-list"),
    path("roles/<int:grant_id>/revoke/", views.GrantRevokeView.as_view(), name="grant-revoke"),
    # -- governance: charter versions, council terms, meetings and resolutions (alliances/governance_views.py)
    path("governance/", governance_views.GovernanceOverviewView.as_view(), name="governance"),
    path("governance/charter/", governance_views.CharterCurrentView.as_view(), name="governance-charter"),
    path(
        "governance/charter/diff/", governance_views.CharterDiffView.as_view(), name="governance-charter-diff"
    ),
    path(
        "governance/charter/versions/",
        governance_views.CharterListView.as_view(),
        name="governance-charter-list",
    ),
    path(
        "governance/charter/versions/new/",
        governance_views.CharterCreateView.as_view(),
        name="governance-charter-create",
    ),
    path(
        "governance/charter/versions/<int:charter_id>/",
        governance_views.CharterDetailView.as_view(),
        name="governance-charter-detail",
    ),
    path(
        "governance/charter/versions/<int:charter_id>/edit/",
        governance_views.CharterEditView.as_view(),
        name="governance-charter-edit",
    ),
    path(
        "governance/charter/versions/<int:charter_id>/articles/",
        governance_views.CharterArticlesView.as_view(),
        name="governance-charter-articles",
    ),
    path(
        "governance/charter/versions/<int:charter_id>/adopt/",
        governance_views.CharterAdoptView.as_view(),
        name="governance-charter-adopt",
    ),
    path("governance/terms/", governance_views.CouncilTermListView.as_view(), name="governance-term-list"),
    path(
        "governance/terms/new/",
        governance_views.CouncilTermCreateView.as_view(),
        name="governance-term-create",
    ),
    path(
        "governance/terms/<int:councilterm_id>/edit/",
        governance_views.CouncilTermEditView.as_view(),
        name="governance-term-edit",
    ),
    path(
        "governance/terms/<int:councilterm_id>/end/",
        governance_views.CouncilTermEndView.as_view(),
        name="governance-term-end",
    ),
    path("governance/meetings/", governance_views.MeetingListView.as_view(), name="governance-meeting-list"),
    path(
        "governance/meetings/new/",
        governance_views.MeetingCreateView.as_view(),
        name="governance-meeting-create",
    ),
    path(
        "governance/meetings/<int:meeting_id>/",
        governance_views.MeetingDetailView.as_view(),
        name="governance-meeting-detail",
    ),
    path(
        "governance/meetings/<int:meeting_id>/resolutions/new/",
        governance_views.ResolutionCreateView.as_view(),
        name="governance-resolution-create",
    ),
    path(
        "governance/resolutions/",
        governance_views.ResolutionListView.as_view(),
        name="governance-resolution-list",
    ),
    path(
        "governance/resolutions/<int:resolution_id>/",
        governance_views.ResolutionDetailView.as_view(),
        name="governance-resolution-detail",
    ),
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
