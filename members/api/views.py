"""The members API: units and their lifecycle, timeline and documents, contacts, committees, withdrawal and
profile change requests, and spreadsheet imports. Views stay thin: every change goes through members/services.py.

Errors: input that is wrong answers 400 (`invalid`, with field errors); a lifecycle action that the unit's
current state does not allow answers 409 (`conflict`) with the service's message, e.g. admitting a unit that is
not under review or completing a withdrawal before its effective date.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.errors import Conflict, ErrorSerializer, error_response
from alliances.api.serializers import JobSerializer
from alliances.permissions import Action

from .. import services
from ..filters import MemberUnitFilter
from ..imports import start_import
from ..models import (
    Committee,
    Contact,
    MemberDocument,
    MembershipEvent,
    MemberUnit,
    ProfileChangeRequest,
    WithdrawalRequest,
)
from . import serializers as s

# --- Errors ----------------------------------------------------------------------------------------------


INVALID = OpenApiResponse(ErrorSerializer, description=_("Invalid input: `details` has the field errors."))
CONFLICT = OpenApiResponse(
    ErrorSerializer, description=_("The unit's current state does not allow the action.")
)


def run_service(call):
    """Run a service call; a transition the current state does not allow becomes 409, bad input 400."""
    try:
        return call()
    except services.InvalidTransition as exc:
        if hasattr(exc, "error_dict"):  # about one input (a reason, a resolution): the request is wrong
            raise
        raise Conflict(" ".join(exc.messages)) from exc


# --- Member units ----------------------------------------------------------------------------------------


def _run_transition(name: str, unit: MemberUnit, data: dict):
    """Call the service of transition `name` with the validated input of its serializer."""
    reason, documents, resolution = (
        data.get("reason", ""),
        data.get("documents") or [],
        data.get("resolution"),
    )
    match name:
        case "start_review":
            return services.start_review(unit)
        case "request_information":
            return services.request_information(unit, reason=reason)
        case "provide_information":
            return services.provide_information(unit, note=data.get("note", ""), documents=documents)
        case "admit":
            return services.admit_member(
                unit, resolution=resolution, admitted_on=data.get("admitted_on"),
                council_role=data.get("council_role") or None,
            )  # fmt: skip
        case "reject":
            return services.reject_application(unit, reason=reason, documents=documents)
        case "request_withdrawal":
            return services.request_withdrawal(
                unit, reason=reason, requested_on=data.get("requested_on"), effective_on=data.get("effective_on"),
                documents=documents,
            )  # fmt: skip
        case "approve_withdrawal":
            return services.approve_withdrawal(unit, resolution=resolution, documents=documents)
        case "decline_withdrawal":
            return services.decline_withdrawal(unit, reason=reason, resolution=resolution)
        case "cancel_withdrawal":
            return services.cancel_withdrawal(unit, reason=reason)
        case "complete_withdrawal":
            return services.complete_withdrawal(unit)
        case "suspend":
            return services.suspend_member(unit, reason=reason, documents=documents)
        case "reinstate":
            return services.reinstate_member(unit, reason=reason)
        case "expel":
            return services.expel_member(unit, resolution=resolution, reason=reason, documents=documents)
    raise ValueError(name)


# The input of each lifecycle action (every transition of services.LIFECYCLE but `reapply`, which applicants
# do themselves through the public form).
TRANSITION_INPUTS = {
    "start_review": s.EmptyActionSerializer,
    "request_information": s.ReasonSerializer,
    "provide_information": s.ProvideInformationSerializer,
    "admit": s.AdmitSerializer,
    "reject": s.ReasonWithDocumentsSerializer,
    "request_withdrawal": s.RequestWithdrawalSerializer,
    "approve_withdrawal": s.ApproveWithdrawalSerializer,
    "decline_withdrawal": s.DeclineWithdrawalSerializer,
    "cancel_withdrawal": s.OptionalReasonSerializer,
    "complete_withdrawal": s.EmptyActionSerializer,
    "suspend": s.ReasonWithDocumentsSerializer,
    "reinstate": s.OptionalReasonSerializer,
    "expel": s.ExpelSerializer,
}
assert set(TRANSITION_INPUTS) == set(services.LIFECYCLE) - {"reapply"}, (
    "an API action per lifecycle transition"
)


def _transition_action(name: str):
    """A POST sub-route of a unit, /members/<memberunit_id>/<name-with-hyphens>/, for one transition."""
    input_serializer = TRANSITION_INPUTS[name]

    def handler(self, request, *args, **kwargs):
        unit = self.get_object()
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(lambda: _run_transition(name, unit, serializer.validated_data))
        return self.unit_response(unit.pk)

    handler.__name__ = name
    handler.__doc__ = (
        f"Lifecycle action `{name}` (members.services.LIFECYCLE). Answers the unit as it is afterwards."
    )
    handler = action(
        detail=True, methods=["post"], url_path=name.replace("_", "-"), serializer_class=input_serializer
    )(handler)
    return extend_schema(
        request=input_serializer,
        responses={200: s.MemberUnitDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=capfirst(services.LIFECYCLE[name].label),
    )(handler)


@extend_schema_view(list=extend_schema(summary=_("Member units, filtered as on the member list page")))
class MemberUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """Member units. There is no DELETE: units leave through the lifecycle (withdrawal, expulsion)."""

    serializer_class = s.MemberUnitSerializer
    filterset_class = MemberUnitFilter
    required_action = Action.VIEW_MEMBERS
    required_actions = {
        "list": Action.VIEW_MEMBERS,
        "retrieve": Action.VIEW_MEMBERS,
        "events": Action.VIEW_MEMBERS,
        "documents": Action.VIEW_MEMBERS,
        "create": Action.MANAGE_MEMBERS,
        "partial_update": Action.MANAGE_MEMBERS,
        "council_role": Action.MANAGE_MEMBERS,
        "imports": Action.MANAGE_MEMBERS,
        **{name: Action.MANAGE_MEMBERS for name in TRANSITION_INPUTS},
    }
    lookup_url_kwarg = "memberunit_id"
    lookup_value_regex = r"\d+"
    queryset = MemberUnit.objects.all()
    ordering_fields = ["name", "kind", "admitted_on"]

    @staticmethod
    def detail_queryset():
        return MemberUnit.objects.select_related("industry_division").prefetch_related(
            "contacts", "specialties", "committees",
            Prefetch("withdrawal_requests", queryset=WithdrawalRequest.objects.order_by("-requested_on", "-pk")),
        )  # fmt: skip

    def get_queryset(self):
        if self.action == "list":
            # The same order as the member list page when no `sort` is given.
            return (
                MemberUnit.objects.select_related("industry_division")
                .prefetch_related("committees")
                .order_by("kind", "name", "pk")
            )
        if self.action == "retrieve":
            return self.detail_queryset()
        return MemberUnit.objects.all()

    def filter_queryset(self, queryset):
        # The list's filters apply to the list only, not to the lookup of one unit for its sub-routes.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.MemberUnitDetailSerializer
        return super().get_serializer_class()

    def unit_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        unit = self.detail_queryset().get(pk=pk)
        return Response(s.MemberUnitDetailSerializer(unit, context=self.get_serializer_context()).data,
                        status=status_code)  # fmt: skip

    @extend_schema(
        request=s.MemberRegistrationSerializer, responses={201: s.MemberUnitDetailSerializer, 400: INVALID}
    )
    def create(self, request, *args, **kwargs):
        """Register a unit: an existing member when `admitted_on` is given, otherwise a paper application."""
        serializer = s.MemberRegistrationSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            unit = services.register_member_unit(
                alliance=self.alliance, profile=serializer.profile_data(), contacts=data.get("contacts") or [],
                admitted_on=data.get("admitted_on"), council_role=data["council_role"],
            )  # fmt: skip
            if data.get("specialties"):
                services.set_specialties(unit, data["specialties"])
        response = self.unit_response(unit.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse(
                "api:member-detail", kwargs={"alliance_slug": self.alliance.slug, "memberunit_id": unit.pk}
            )
        )
        return response

    @extend_schema(
        request=s.MemberProfileSerializer, responses={200: s.MemberUnitDetailSerializer, 400: INVALID}
    )
    def partial_update(self, request, *args, **kwargs):
        """Edit the profile (identity fields included). `contacts` and `specialties`, when given, replace the
        lists. Status and council role change through their own actions."""
        unit = self.get_object()
        serializer = s.MemberProfileSerializer(
            unit, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.update_member_profile(
            unit,
            serializer.profile_data(),
            contacts=data.get("contacts"),
            specialties=data.get("specialties"),
        )
        return self.unit_response(unit.pk)

    start_review = _transition_action("start_review")
    request_information = _transition_action("request_information")
    provide_information = _transition_action("provide_information")
    admit = _transition_action("admit")
    reject = _transition_action("reject")
    request_withdrawal = _transition_action("request_withdrawal")
    approve_withdrawal = _transition_action("approve_withdrawal")
    decline_withdrawal = _transition_action("decline_withdrawal")
    cancel_withdrawal = _transition_action("cancel_withdrawal")
    complete_withdrawal = _transition_action("complete_withdrawal")
    suspend = _transition_action("suspend")
    reinstate = _transition_action("reinstate")
    expel = _transition_action("expel")

    @extend_schema(
        request=s.CouncilRoleSerializer, responses={200: s.MemberUnitDetailSerializer, 400: INVALID},
        summary=_("Set the council role"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="council-role", serializer_class=s.CouncilRoleSerializer)
    def council_role(self, request, *args, **kwargs):
        unit = self.get_object()
        serializer = s.CouncilRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(
            lambda: services.set_council_role(
                unit, serializer.validated_data["role"], reason=serializer.validated_data["reason"]
            )
        )
        return self.unit_response(unit.pk)

    @extend_schema(responses=s.MembershipEventSerializer(many=True), summary=_("The unit's timeline"))
    @action(detail=True, methods=["get"], serializer_class=s.MembershipEventSerializer, filter_backends=[])
    def events(self, request, *args, **kwargs):
        """Lifecycle events of the unit, newest first."""
        unit = self.get_object()
        events = (
            MembershipEvent.objects.filter(member_unit=unit)
            .select_related("resolution")
            .prefetch_related("documents")
            .order_by("-occurred_at", "-pk")
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(s.MembershipEventSerializer(page, many=True).data)

    @extend_schema(responses=s.MemberDocumentSerializer(many=True), summary=_("The unit's documents"))
    @action(detail=True, methods=["get"], serializer_class=s.MemberDocumentSerializer, filter_backends=[])
    def documents(self, request, *args, **kwargs):
        """Documents attached to the unit, newest first; `download_url` is null where no download page exists."""
        unit = self.get_object()
        documents = (
            MemberDocument.objects.filter(member_unit=unit)
            .select_related("uploaded_by")
            .order_by("-uploaded_at")
        )
        page = self.paginate_queryset(documents)
        serializer = s.MemberDocumentSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={
            201: s.ImportDoneSerializer,
            202: OpenApiResponse(
                s.ImportStartedSerializer, description=_("A large file: imported by a job.")
            ),
            400: OpenApiResponse(
                s.ImportErrorSerializer, description=_("Nothing was imported: the problems.")
            ),
        },
        summary=_("Import member units from the Excel template"),
    )
    @action(
        detail=False, methods=["post"], url_path="imports", parser_classes=[MultiPartParser, FormParser],
        serializer_class=s.ImportUploadSerializer, filter_backends=[], pagination_class=None,
    )  # fmt: skip
    def imports(self, request, *args, **kwargs):
        """Upload a filled-in member template (.xlsx). Small files are imported at once (201, all or nothing);
        large ones by a background job (202, follow `job_url`); problems answer 400 with every row's errors."""
        serializer = s.ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = start_import(
            alliance=self.alliance, upload=serializer.validated_data["file"], requested_by=request.user
        )
        context = self.get_serializer_context()
        if outcome.job is not None:
            return Response(
                {
                    "job": JobSerializer(outcome.job, context=context).data,
                    "job_url": self._job_url(outcome.job),
                },
                status=status.HTTP_202_ACCEPTED,
            )
        if outcome.errors:
            if outcome.file_error:
                message, details = outcome.file_error, {"file": [outcome.file_error]}
            else:
                message = _(
                    "Nothing was imported: %(count)d problems were found. Correct the file and upload it again."
                ) % {"count": outcome.error_count or len(outcome.errors)}
                details = {}
            report = outcome.report_job
            details.update(
                errors=outcome.errors, error_count=outcome.error_count or len(outcome.errors),
                report_job=JobSerializer(report, context=context).data if report else None,
            )  # fmt: skip
            return error_response("invalid", message, details)
        return Response({"created": outcome.created, "rows": outcome.rows}, status=status.HTTP_201_CREATED)

    def _job_url(self, job) -> str:
        url = reverse("api:job-detail", kwargs={"alliance_slug": self.alliance.slug, "job_id": job.pk})
        return self.request.build_absolute_uri(url)


# --- Contacts --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("member_unit", int, description=_("Id of the unit"))]),
)
class ContactViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, AllianceModelViewSet,
):  # fmt: skip
    """Contact persons of member units (full mobile numbers: secretariat only)."""

    serializer_class = s.ContactSerializer
    required_action = Action.MANAGE_MEMBERS
    lookup_url_kwarg = "contact_id"
    lookup_value_regex = r"\d+"
    queryset = Contact.objects.order_by("member_unit", "-is_primary", "name", "pk")
    filterset_fields = ["member_unit", "is_primary"]
    ordering_fields = ["name"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.add_contact(data.pop("member_unit"), data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("member_unit", None)
        services.update_contact(serializer.instance, data)

    def perform_destroy(self, instance):
        services.remove_contact(instance)


# --- Committees ------------------------------------------------------------------------------------------


class CommitteeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, AllianceModelViewSet,
):  # fmt: skip
    """Committees (专业委员会). Reading needs the member list; changing them, managing members."""

    serializer_class = s.CommitteeSerializer
    required_action = Action.VIEW_MEMBERS
    required_actions = {
        "list": Action.VIEW_MEMBERS,
        "retrieve": Action.VIEW_MEMBERS,
        "members": Action.VIEW_MEMBERS,
        "create": Action.MANAGE_MEMBERS,
        "update": Action.MANAGE_MEMBERS,
        "partial_update": Action.MANAGE_MEMBERS,
        "destroy": Action.MANAGE_MEMBERS,
        "add_members": Action.MANAGE_MEMBERS,
        "remove_member": Action.MANAGE_MEMBERS,
    }
    lookup_url_kwarg = "committee_id"
    lookup_value_regex = r"\d+"
    queryset = Committee.objects.all()
    ordering_fields = ["name"]

    def get_queryset(self):
        return Committee.objects.annotate(member_count=Count("members", distinct=True)).order_by("name", "pk")

    def perform_create(self, serializer):
        serializer.instance = services.create_committee(alliance=self.alliance, **serializer.validated_data)

    def perform_update(self, serializer):
        services.update_committee(serializer.instance, serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_committee(instance)

    @extend_schema(responses=s.MemberUnitSerializer(many=True), summary=_("Members of the committee"))
    @action(detail=True, methods=["get"], serializer_class=s.MemberUnitSerializer, filter_backends=[])
    def members(self, request, *args, **kwargs):
        committee = self.get_object()
        units = (
            MemberUnit.objects.filter(committees=committee)
            .select_related("industry_division")
            .prefetch_related("committees")
            .order_by("kind", "name", "pk")
        )
        page = self.paginate_queryset(units)
        return self.get_paginated_response(s.MemberUnitSerializer(page, many=True).data)

    @extend_schema(
        request=s.CommitteeMembersSerializer, responses={200: s.CommitteeMembersAddedSerializer, 400: INVALID},
        summary=_("Add units to the committee"),
    )  # fmt: skip
    @members.mapping.post
    def add_members(self, request, *args, **kwargs):
        committee = self.get_object()
        serializer = s.CommitteeMembersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = run_service(
            lambda: services.add_to_committee(
                serializer.validated_data["member_units"], committee,
                joined_on=serializer.validated_data.get("joined_on"),
            )
        )  # fmt: skip
        committee = self.get_queryset().get(pk=committee.pk)
        return Response({"added": added, "committee": s.CommitteeSerializer(committee).data})

    @extend_schema(responses={204: None, 404: ErrorSerializer}, summary=_("Remove a unit from the committee"))
    @action(
        detail=True, methods=["delete"], url_path=r"members/(?P<memberunit_id>\d+)", url_name="member-remove",
    )  # fmt: skip
    def remove_member(self, request, *args, **kwargs):
        committee = self.get_object()
        unit = MemberUnit.objects.filter(pk=kwargs["memberunit_id"]).first()
        if unit is None or not run_service(lambda: services.remove_from_committee(unit, committee)):
            raise NotFound(_("The unit is not a member of this committee."))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Requests waiting for the secretariat ------------------------------------------------------------------


class WithdrawalRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """Withdrawal requests (退会申请); they are made and decided through the unit's lifecycle actions."""

    serializer_class = s.WithdrawalRequestSerializer
    required_action = Action.VIEW_MEMBERS
    lookup_url_kwarg = "withdrawalrequest_id"
    lookup_value_regex = r"\d+"
    queryset = WithdrawalRequest.objects.select_related("member_unit", "resolution", "requested_by").order_by(
        "-requested_on", "-pk"
    )
    filterset_fields = ["status", "member_unit"]
    ordering_fields = ["requested_on", "effective_on"]


class ProfileChangeRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """Changes of a unit's name or credit code asked for by its representative, waiting for the secretariat."""

    serializer_class = s.ProfileChangeRequestSerializer
    required_action = Action.MANAGE_MEMBERS
    lookup_url_kwarg = "profilechangerequest_id"
    lookup_value_regex = r"\d+"
    queryset = ProfileChangeRequest.objects.select_related(
        "member_unit", "requested_by", "decided_by"
    ).order_by("-requested_at", "-pk")
    filterset_fields = ["status", "member_unit"]
    ordering_fields = ["requested_at"]

    @extend_schema(
        request=s.ChangeDecisionSerializer,
        responses={200: s.ProfileChangeRequestSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Approve or decline the change"),
    )
    @action(detail=True, methods=["post"], serializer_class=s.ChangeDecisionSerializer)
    def decide(self, request, *args, **kwargs):
        change_request = self.get_object()
        serializer = s.ChangeDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(lambda: services.decide_profile_change(change_request, **serializer.validated_data))
        return Response(s.ProfileChangeRequestSerializer(self.get_queryset().get(pk=change_request.pk)).data)
