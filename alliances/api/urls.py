from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("jobs", views.JobViewSet, basename="job")
router.register("audit-entries", views.AuditEntryViewSet, basename="auditentry")

tenant_urlpatterns = router.urls

global_urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("me/", views.MeView.as_view(), name="me"),
    path("alliances/", views.AllianceListView.as_view(), name="alliance-list"),
]
