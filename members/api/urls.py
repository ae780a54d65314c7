from rest_framework.routers import SimpleRouter

from .views import (
    CommitteeViewSet,
    ContactViewSet,
    MemberUnitViewSet,
    ProfileChangeRequestViewSet,
    WithdrawalRequestViewSet,
)

router = SimpleRouter()
router.register("members", MemberUnitViewSet, basename="member")
router.register("contacts", ContactViewSet, basename="contact")
router.register("committees", CommitteeViewSet, basename="committee")
router.register("withdrawal-requests", WithdrawalRequestViewSet, basename="withdrawal-request")
router.register("change-requests", ProfileChangeRequestViewSet, basename="change-request")
urlpatterns = router.urls
