"""The API of cooperation records, order classes, member activity and dormant members.

- `cooperation-records/`: list (the filters of the list page), read, create, PATCH; `status` (POST) moves a record
  along planned → in force → completed / terminated; `documents` lists (GET) and attaches (POST, multipart) files.
  No DELETE: a cooperation that ends is completed or terminated.
- `order-classes/`: a read-only list of order and named classes (订单班/冠名班), filterable by graduation year.
- `member-activity/`: each member unit's last activity date (list), one unit's activity (detail).
- `dormant-members/`: current members with no activity in the last `months` months (default 12).

Member representatives read only their own unit's records and activity; another unit's answers 404. Bad input
answers 400; a status change the record's state does not allow answers 409.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.errors import Conflict, ErrorSerializer
from alliances.permissions import Action
from members.filters import MemberUnitFilter
from members.models import CURRENT_MEMBER_STATUSES, MemberUnit, Specialty

from ..activity import DORMANT_MONTHS, dormant_members, last_activity_dates, member_activity
from ..filters import CooperationFilter, OrderClassFilter
from ..models import CooperationDocument, CooperationRecord, CooperationStatus, Event
from ..services import cooperation as services

# --- Errors ----------------------------------------------------------------------------------------------


INVALID = OpenApiResponse(ErrorSerializer, description=_("Invalid input: `details` has the field errors."))
CONFLICT = OpenApiResponse(ErrorSerializer, description=_("The record's status does not allow it."))


def run_service(call):
    try:
        return call()
    except services.CooperationConflict as exc:
        raise Conflict(" ".join(exc.messages)) from exc


# --- Serializers -----------------------------------------------------------------------------------------


class CooperationDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CooperationDocument
        fields = ["id", "title", "content_type", "size", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        request = self.context["request"]
        path = reverse(
            "cooperation-document",
            kwargs={"alliance_slug": request.alliance.slug, "cooperationdocument_id": document.pk},
        )
        return request.build_absolute_uri(path)


class CooperationRecordSerializer(serializers.ModelSerializer):
    """A cooperation record. Related fields take ids of this alliance's rows only (scoped querysets); the rules
    (a school and an enterprise, both current members; graduates employed ≤ students; end ≥ start) are the
    service's."""

    school = serializers.PrimaryKeyRelatedField(queryset=MemberUnit.objects.all())
    enterprise = serializers.PrimaryKeyRelatedField(queryset=MemberUnit.objects.all())
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all(), allow_null=True, required=False)
    specialty = serializers.PrimaryKeyRelatedField(
        queryset=Specialty.objects.all(), allow_null=True, required=False
    )
    school_name = serializers.CharField(source="school.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CooperationRecord
        fields = [
            "id", "kind", "kind_display", "title", "school", "school_name", "enterprise", "enterprise_name",
            "status", "status_display", "signed_on", "starts_on", "ends_on", "event", "description", "class_name",
            "specialty", "students", "graduation_year", "graduates_employed", "participants", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "status", "created_at", "updated_at"]
        # The rules (and the database constraint behind graduates ≤ students) are checked by the service.
        validators = []


class CooperationRecordCreateSerializer(CooperationRecordSerializer):
    status = serializers.ChoiceField(choices=CooperationStatus.choices, default=CooperationStatus.ACTIVE)

    class Meta(CooperationRecordSerializer.Meta):
        read_only_fields = ["id", "created_at", "updated_at"]


class CooperationRecordDetailSerializer(CooperationRecordSerializer):
    documents = CooperationDocumentSerializer(many=True, read_only=True)
    allowed_statuses = serializers.SerializerMethodField()

    class Meta(CooperationRecordSerializer.Meta):
        fields = [*CooperationRecordSerializer.Meta.fields, "documents", "allowed_statuses"]

    def get_allowed_statuses(self, record) -> list[str]:
        return services.allowed_statuses(record.status)


class CooperationStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CooperationStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DocumentUploadSerializer(serializers.Serializer):
    documents = serializers.ListField(
        child=serializers.FileField(), allow_empty=False, help_text=_("PDF, JPEG or PNG, at most 10 MB each.")
    )


class OrderClassSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    specialty_name = serializers.CharField(source="specialty.name", read_only=True, default=None)

    class Meta:
        model = CooperationRecord
        fields = [
            "id", "kind", "title", "status", "school", "school_name", "enterprise", "enterprise_name", "class_name",
            "specialty", "specialty_name", "students", "graduation_year", "graduates_employed", "signed_on",
            "starts_on", "ends_on", "event",
        ]  # fmt: skip
        read_only_fields = fields


class UnitActivitySerializer(serializers.ModelSerializer):
    """A member unit with the date of its last activity."""

    last_activity_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = MemberUnit
        fields = ["id", "member_number", "name", "kind", "status", "admitted_on", "last_activity_on"]
        read_only_fields = fields


class _KindCount(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class _StatusCount(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class _Attendance(serializers.Serializer):
    event = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    people = serializers.IntegerField()


class _CooperationBrief(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    school = serializers.IntegerField()
    enterprise = serializers.IntegerField()
    signed_on = serializers.DateField(allow_null=True)


class MemberActivitySerializer(serializers.Serializer):
    member_unit = serializers.IntegerField()
    name = serializers.CharField()
    last_activity_on = serializers.DateField(allow_null=True)
    events_attended = serializers.IntegerField()
    people_checked_in = serializers.IntegerField()
    recent_attendance = _Attendance(many=True)
    cooperation_count = serializers.IntegerField()
    cooperation_by_kind = _KindCount(many=True)
    order_class_students = serializers.IntegerField()
    recent_cooperation = _CooperationBrief(many=True)
    claims_count = serializers.IntegerField()
    claims_by_status = _StatusCount(many=True)

    @staticmethod
    def represent(activity) -> dict:
        return {
            "member_unit": activity.unit.pk,
            "name": activity.unit.name,
            "last_activity_on": activity.last_activity_on,
            "events_attended": activity.events_attended,
            "people_checked_in": activity.people_checked_in,
            "recent_attendance": [
                {
                    "event": row["event"].pk,
                    "title": row["event"].title,
                    "starts_at": row["event"].starts_at,
                    "people": row["people"],
                }
                for row in activity.recent_attendance
            ],  # fmt: skip
            "cooperation_count": activity.cooperation_count,
            "cooperation_by_kind": [
                {"kind": kind, "label": str(label), "count": count}
                for kind, label, count in activity.cooperation_by_kind
            ],
            "order_class_students": activity.order_class_students,
            "recent_cooperation": [
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "title": r.title,
                    "status": r.status,
                    "school": r.school_id,
                    "enterprise": r.enterprise_id,
                    "signed_on": r.signed_on,
                }
                for r in activity.recent_cooperation
            ],  # fmt: skip
            "claims_count": activity.claims_count,
            "claims_by_status": [
                {"status": value, "label": str(label), "count": count}
                for value, label, count in activity.claims_by_status
            ],
        }


# --- Views -----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Cooperation records, filtered as on the list page")),
    retrieve=extend_schema(responses=CooperationRecordDetailSerializer),
)
class CooperationRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet
):  # fmt: skip
    """Cooperation records between member schools and enterprises."""

    serializer_class = CooperationRecordSerializer
    filterset_class = CooperationFilter
    required_action = Action.VIEW_EVENTS
    required_actions = {
        "list": Action.VIEW_EVENTS,
        "retrieve": Action.VIEW_EVENTS,
        "documents": Action.VIEW_EVENTS,
        "create": Action.MANAGE_EVENTS,
        "partial_update": Action.MANAGE_EVENTS,
        "change_status": Action.MANAGE_EVENTS,
        "upload_documents": Action.MANAGE_EVENTS,
    }
    lookup_url_kwarg = "cooperationrecord_id"
    lookup_value_regex = r"\d+"
    queryset = CooperationRecord.objects.all()
    ordering_fields = ["signed_on", "starts_on", "title", "graduation_year"]

    def get_queryset(self):
        records = CooperationRecord.objects.select_related("school", "enterprise").order_by(
            "-signed_on", "-starts_on", "-pk"
        )
        if self.action == "retrieve":
            records = records.prefetch_related("documents")
        return services.visible_records(self.membership, records)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CooperationRecordDetailSerializer
        if self.action == "create":
            return CooperationRecordCreateSerializer
        return super().get_serializer_class()

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        record = self.get_queryset().prefetch_related("documents").get(pk=pk)
        data = CooperationRecordDetailSerializer(record, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        request=CooperationRecordCreateSerializer,
        responses={201: CooperationRecordDetailSerializer, 400: INVALID},
    )
    def create(self, request, *args, **kwargs):
        """Record a cooperation. `status` defaults to in force."""
        serializer = CooperationRecordCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        record_status = data.pop("status")
        record = services.record_cooperation(alliance=self.alliance, data=data, status=record_status)
        response = self._detail(record.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse(
                "api:cooperation-record-detail",
                kwargs={"alliance_slug": self.alliance.slug, "cooperationrecord_id": record.pk},
            )
        )
        return response

    @extend_schema(
        request=CooperationRecordSerializer, responses={200: CooperationRecordDetailSerializer, 400: INVALID}
    )
    def partial_update(self, request, *args, **kwargs):
        """Change a record's details (the status changes through `status`)."""
        record = self.get_object()
        serializer = CooperationRecordSerializer(
            record, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.update_cooperation(record, dict(serializer.validated_data))
        return self._detail(record.pk)

    @extend_schema(
        request=CooperationStatusSerializer,
        responses={200: CooperationRecordDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Change the status"),
    )
    @action(detail=True, methods=["post"], url_path="status", serializer_class=CooperationStatusSerializer)
    def change_status(self, request, *args, **kwargs):
        """planned → active → completed; planned or active → terminated (with a reason)."""
        record = self.get_object()
        serializer = CooperationStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(
            lambda: services.change_cooperation_status(
                record, serializer.validated_data["status"], reason=serializer.validated_data["reason"]
            )
        )
        return self._detail(record.pk)

    @extend_schema(responses=CooperationDocumentSerializer(many=True), summary=_("The record's documents"))
    @action(
        detail=True, methods=["get"], serializer_class=CooperationDocumentSerializer, filter_backends=[],
        parser_classes=[MultiPartParser, FormParser],
    )  # fmt: skip
    def documents(self, request, *args, **kwargs):
        record = self.get_object()
        documents = CooperationDocument.objects.filter(record=record).order_by("pk")
        page = self.paginate_queryset(documents)
        serializer = CooperationDocumentSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: CooperationDocumentSerializer(many=True), 400: INVALID},
        summary=_("Attach documents"),
    )
    @documents.mapping.post
    def upload_documents(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.attach_cooperation_documents(record, serializer.validated_data["documents"])
        data = CooperationDocumentSerializer(saved, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary=_("Order and named classes")))
class OrderClassViewSet(mixins.ListModelMixin, AllianceModelViewSet):
    """Order and named classes (订单班/冠名班): students, graduation year, graduates employed (read-only)."""

    serializer_class = OrderClassSerializer
    filterset_class = OrderClassFilter
    required_action = Action.VIEW_EVENTS
    queryset = CooperationRecord.objects.all()
    ordering_fields = ["graduation_year", "signed_on", "class_name"]

    def get_queryset(self):
        return services.visible_records(
            self.membership, services.order_classes().order_by("-graduation_year", "enterprise__name", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary=_("Current members with the date of their last activity")),
    retrieve=extend_schema(responses=MemberActivitySerializer, summary=_("One unit's activity")),
)
class MemberActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """Activity of member units: events attended, cooperation records, subsidy claims. The list (secretariat and
    bureau) has each current member's last activity date; a representative may read their own unit's detail."""

    serializer_class = UnitActivitySerializer
    filterset_class = MemberUnitFilter
    required_actions = {"list": Action.VIEW_MEMBERS, "retrieve": Action.VIEW_EVENTS}
    lookup_url_kwarg = "memberunit_id"
    lookup_value_regex = r"\d+"
    queryset = MemberUnit.objects.all()

    def get_queryset(self):
        units = MemberUnit.objects.filter(status__in=CURRENT_MEMBER_STATUSES).order_by("kind", "name", "pk")
        return last_activity_dates(units)

    def retrieve(self, request, *args, **kwargs):
        unit_id = kwargs.get("memberunit_id")
        if not services.sees_every_record(self.membership) and str(self.membership.member_unit_id) != str(
            unit_id
        ):
            raise NotFound()
        unit = MemberUnit.objects.filter(pk=unit_id).first() if str(unit_id).isdigit() else None
        if unit is None:
            raise NotFound()
        return Response(MemberActivitySerializer.represent(member_activity(unit)))


@extend_schema_view(
    list=extend_schema(
        summary=_("Dormant members"),
        parameters=[
            OpenApiParameter("months", int, description=_("Months without activity (default 12).")),
            OpenApiParameter("include_new", bool, description=_("Include units admitted within that time.")),
        ],
    )
)
class DormantMemberViewSet(mixins.ListModelMixin, AllianceModelViewSet):
    """Current members with no event attended, no cooperation record signed or started and no claim submitted
    in the last `months` months; the longest silent first."""

    serializer_class = UnitActivitySerializer
    required_action = Action.MANAGE_MEMBERS
    queryset = MemberUnit.objects.all()
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        try:
            months = int(params.get("months") or DORMANT_MONTHS)
        except ValueError:
            raise serializers.ValidationError({"months": [_("Give a whole number of months.")]}) from None
        if not 1 <= months <= 120:
            raise serializers.ValidationError({"months": [_("Give between 1 and 120 months.")]})
        include_new = (params.get("include_new") or "").lower() in ("1", "true", "yes")
        return dormant_members(months, include_new=include_new)
