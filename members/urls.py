from django.urls import path

from .views import applications, changes, committees, imports, lifecycle, self_service, units

urlpatterns = [
    path("members/", units.MemberListView.as_view(), name="member-list"),
    path("members/new/", units.MemberCreateView.as_view(), name="member-create"),
    path("members/validate/", units.MemberValidateFieldView.as_view(), name="member-validate"),
    path("members/bulk/", units.MemberBulkActionView.as_view(), name="member-bulk"),
    path("members/export/", units.MemberExportView.as_view(), name="member-export"),
    path("members/<int:memberunit_id>/", units.MemberDetailView.as_view(), name="member-detail"),
    path("members/<int:memberunit_id>/edit/", units.MemberEditView.as_view(), name="member-edit"),
    # -- committees
    path("committees/", committees.CommitteeListView.as_view(), name="committee-list"),
    path("committees/new/", committees.CommitteeCreateView.as_view(), name="committee-create"),
    path("committees/<int:committee_id>/", committees.CommitteeDetailView.as_view(), name="committee-detail"),
    path("committees/<int:committee_id>/edit/", committees.CommitteeEditView.as_view(), name="committee-edit"),
    path("committees/<int:committee_id>/delete/", committees.CommitteeDeleteView.as_view(), name="committee-delete"),
    path(
        "committees/<int:committee_id>/members/add/",
        committees.CommitteeAddMembersView.as_view(),
        name="committee-add-members",
    ),
    path(
        "committees/<int:committee_id>/members/<int:memberunit_id>/remove/",
        committees.CommitteeRemoveMemberView.as_view(),
        name="committee-remove-member",
    ),
    # -- lifecycle and applications
    path("members/applications/", lifecycle.ApplicationQueueView.as_view(), name="member-applications"),
    *[
        path(
            f"members/<int:memberunit_id>/{name.replace('_', '-')}/",
            lifecycle.MemberTransitionView.as_view(transition_name=name),
            name=f"member-{name.replace('_', '-')}",
        )
        for name in lifecycle.TRANSITION_PAGES
    ],
    path("apply/", applications.apply_view, name="member-apply"),
    path("apply/done/", applications.apply_done, name="member-apply-done"),
    path("apply/<str:token>/", applications.provide_information_view, name="member-application-info"),
    # -- import
    path("members/import/", imports.MemberImportView.as_view(), name="member-import"),
    path("members/import/template/", imports.MemberImportTemplateView.as_view(), name="member-import-template"),
    path("members/import/<int:job_id>/", imports.MemberImportResultView.as_view(), name="member-import-result"),
    path(
        "members/import/<int:job_id>/errors.xlsx", imports.MemberImportErrorsView.as_view(), name="member-import-errors"
    ),
    # -- self-service, change requests and certificates
    path("my-unit/", self_service.MyUnitView.as_view(), name="my-unit"),
    path("my-unit/edit/", self_service.MyUnitEditView.as_view(), name="my-unit-edit"),
    path("my-unit/withdraw/", self_service.MyUnitWithdrawView.as_view(), name="my-unit-withdraw"),
    path(
        "my-unit/withdraw/cancel/",
        self_service.MyUnitWithdrawCancelView.as_view(),
        name="my-unit-withdraw-cancel",
    ),
    path("my-unit/certificate.pdf", self_service.MyUnitCertificateView.as_view(), name="my-unit-certificate"),
    path(
        "my-unit/documents/<int:memberdocument_id>/",
        self_service.MyUnitDocumentView.as_view(),
        name="my-unit-document",
    ),
    path("members/change-requests/", changes.ChangeRequestListView.as_view(), name="member-change-requests"),
    path(
        "members/change-requests/<int:profilechangerequest_id>/",
        changes.ChangeRequestDecideView.as_view(),
        name="member-change-request",
    ),
    path(
        "members/<int:memberunit_id>/certificate.pdf",
        self_service.MemberCertificateView.as_view(),
        name="member-certificate",
    ),
    path(
        "members/documents/<int:memberdocument_id>/",
        self_service.MemberDocumentView.as_view(),
        name="member-document",
    ),
]
