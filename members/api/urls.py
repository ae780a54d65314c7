from rest_framework.routers import SimpleRouter

from .views import CommitteeViewSet, MemberUnitViewSet

router = SimpleRouter()
router.register("members", MemberUnitViewSet, basename="member")
router.register("committees", CommitteeViewSet, basename="committee")
urlpatterns = router.urls
