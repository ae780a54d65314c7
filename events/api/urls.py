from rest_framework.routers import SimpleRouter

from . import cooperation, events

router = SimpleRouter()
# router.register(...) per area; keep one line per viewset.
router.register("cooperation-records", cooperation.CooperationRecordViewSet, basename="cooperation-record")
router.register("order-classes", cooperation.OrderClassViewSet, basename="order-class")
router.register("member-activity", cooperation.MemberActivityViewSet, basename="member-activity")
router.register("dormant-members", cooperation.DormantMemberViewSet, basename="dormant-member")
router.register("events", events.EventViewSet, basename="event")
router.register("agenda-items", events.AgendaItemViewSet, basename="agenda-item")
router.register("registrations", events.RegistrationViewSet, basename="registration")
urlpatterns = router.urls
