"""Pages of this app under /a/<alliance_slug>/ (built in its own issue)."""

from django.urls import path

from .views import claims as claim_views
from .views import programs, review
from .views import runs as run_views

urlpatterns = [
    # -- programs (versioned policy) and periods (views/programs.py)
    path("programs/", programs.ProgramListView.as_view(), name="program-list"),
    path("programs/new/", programs.ProgramCreateView.as_view(), name="program-create"),
    path("programs/<int:program_id>/", programs.ProgramDetailView.as_view(), name="program-detail"),
    path("programs/<int:program_id>/edit/", programs.ProgramEditView.as_view(), name="program-edit"),
    path(
        "programs/<int:program_id>/versions/new/",
        programs.ProgramVersionCreateView.as_view(),
        name="program-version-create",
    ),
    path(
        "programs/<int:program_id>/versions/<int:programversion_id>/edit/",
        programs.ProgramVersionEditView.as_view(),
        name="program-version-edit",
    ),
    path("periods/", programs.PeriodListView.as_view(), name="period-list"),
    path("periods/new/", programs.PeriodCreateView.as_view(), name="period-create"),
    path("periods/<int:period_id>/edit/", programs.PeriodEditView.as_view(), name="period-edit"),
    # -- the enterprise's online claim, and the claim pages of staff, schools and bureau (views/claims.py)
    path("claims/", claim_views.ClaimListView.as_view(), name="claim-list"),
    path("claims/mine/", claim_views.MyClaimsView.as_view(), name="claim-mine"),
    path("claims/new/", claim_views.ClaimCreateView.as_view(), name="claim-create"),
    path("claims/<int:claim_id>/", claim_views.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<int:claim_id>/check/", claim_views.ClaimCheckView.as_view(), name="claim-check"),
    path("claims/<int:claim_id>/submit/", claim_views.ClaimSubmitView.as_view(), name="claim-submit"),
    path("claims/<int:claim_id>/payment/", claim_views.ClaimPaymentView.as_view(), name="claim-payment"),
    path(
        "claims/<int:claim_id>/lines/new/", claim_views.ClaimLineCreateView.as_view(), name="claim-line-add"
    ),
    path(
        "claims/<int:claim_id>/lines/validate/",
        claim_views.ClaimLineValidateView.as_view(),
        name="claim-line-validate",
    ),
    path(
        "claims/<int:claim_id>/lines/<int:claimline_id>/edit/",
        claim_views.ClaimLineEditView.as_view(),
        name="claim-line-edit",
    ),
    path(
        "claims/<int:claim_id>/lines/<int:claimline_id>/delete/",
        claim_views.ClaimLineDeleteView.as_view(),
        name="claim-line-delete",
    ),
    path(
        "claims/<int:claim_id>/lines/<int:claimline_id>/reveal/",
        claim_views.ClaimLineRevealView.as_view(),
        name="claim-line-reveal",
    ),
    path("claims/<int:claim_id>/import/", claim_views.ClaimImportView.as_view(), name="claim-import"),
    path(
        "claims/<int:claim_id>/import/template.xlsx",
        claim_views.ClaimTemplateView.as_view(),
        name="claim-import-template",
    ),
    path(
        "claims/<int:claim_id>/documents/",
        claim_views.ClaimDocumentUploadView.as_view(),
        name="claim-document-upload",
    ),
    path(
        "claims/<int:claim_id>/documents/<int:claimdocument_id>/",
        claim_views.ClaimDocumentDownloadView.as_view(),
        name="claim-document-download",
    ),
    path(
        "claims/<int:claim_id>/documents/<int:claimdocument_id>/delete/",
        claim_views.ClaimDocumentDeleteView.as_view(),
        name="claim-document-delete",
    ),
    # -- school confirmation and secretariat review (views/review.py)
    path("confirmations/", review.ConfirmationInboxView.as_view(), name="confirmation-inbox"),
    path("claims/<int:claim_id>/confirm/", review.ClaimConfirmView.as_view(), name="claim-confirm"),
    path("claims/<int:claim_id>/confirm/all/", review.ClaimConfirmAllView.as_view(), name="claim-confirm-all"),
    path("review/", review.ReviewQueueView.as_view(), name="review-queue"),
    path("claims/<int:claim_id>/review/", review.ClaimReviewView.as_view(), name="claim-review"),
    path("claims/<int:claim_id>/review/lines/", review.ReviewLinesView.as_view(), name="claim-review-lines"),
    path(
        "claims/<int:claim_id>/review/lines/<int:claimline_id>/",
        review.ReviewLineView.as_view(),
        name="claim-review-line",
    ),
    path(
        "claims/<int:claim_id>/review/approve-clean/",
        review.ApproveCleanLinesView.as_view(),
        name="claim-review-approve-clean",
    ),
    path("claims/<int:claim_id>/review/decide/", review.ClaimDecideView.as_view(), name="claim-decide"),
    # -- calculation runs and disbursement (views/runs.py)
    path("runs/", run_views.RunListView.as_view(), name="subsidy-run-list"),
    path("runs/calculate/", run_views.RunCalculateView.as_view(), name="subsidy-run-calculate"),
    path("runs/<int:calculationrun_id>/", run_views.RunDetailView.as_view(), name="subsidy-run-detail"),
    path("runs/<int:calculationrun_id>/lines/", run_views.RunLinesView.as_view(), name="subsidy-run-lines"),
    path(
        "runs/<int:calculationrun_id>/progress/",
        run_views.RunProgressView.as_view(),
        name="subsidy-run-progress",
    ),
    path(
        "runs/<int:calculationrun_id>/finalise/",
        run_views.RunFinaliseView.as_view(),
        name="subsidy-run-finalise",
    ),
    path(
        "runs/<int:calculationrun_id>/approve/",
        run_views.RunApproveView.as_view(),
        name="subsidy-run-approve",
    ),
    path("runs/<int:calculationrun_id>/pay/", run_views.RunPayView.as_view(), name="subsidy-run-pay"),
    path(
        "runs/<int:calculationrun_id>/disbursements.xlsx",
        run_views.RunDownloadView.as_view(),
        name="subsidy-run-download",
    ),
]
