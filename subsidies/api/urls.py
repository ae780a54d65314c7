from rest_framework.routers import SimpleRouter

from . import claims as claim_api
from . import programs as program_api
from . import review
from . import runs as run_api

router = SimpleRouter()
# router.register(...) per area; keep one line per viewset.
router.register("school-confirmations", review.SchoolConfirmationViewSet, basename="school-confirmation")
router.register("claim-reviews", review.ClaimReviewViewSet, basename="claim-review")
router.register("runs", run_api.CalculationRunViewSet, basename="subsidy-run")
router.register("programs", program_api.ProgramViewSet, basename="subsidy-program")
router.register("program-versions", program_api.ProgramVersionViewSet, basename="subsidy-program-version")
router.register("periods", program_api.PeriodViewSet, basename="subsidy-period")
router.register("claims", claim_api.ClaimViewSet, basename="claim")
urlpatterns = router.urls
