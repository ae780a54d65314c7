from django.urls import path
from rest_framework.routers import SimpleRouter

from . import governance, views

router = SimpleRouter()
router.register("jobs", views.JobViewSet, basename="job")
router.register("audit-entries", views.AuditEntryViewSet, basename="auditentry")
router.register("charters", governance.CharterViewSet, basename="charter")
router.register("council-terms", governance.CouncilTermViewSet, basename="councilterm")
router.register("meetings", governance.MeetingViewSet, basename="meeting")
router.register("resolutions", governance.ResolutionViewSet, basename="resolution")

tenant_urlpatterns = router.urls

global_urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("me/", views.MeView.as_view(), name="me"),
    path("alliances/", views.AllianceListView.as_view(), name="alliance-list"),
]
