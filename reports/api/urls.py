"""Annual report API under /api/v1/alliances/<alliance_slug>/reports/ (see reports/api/views.py)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("reports", views.AnnualReportViewSet, basename="annual-report")
urlpatterns = router.urls
