"""The enterprise's online claim, under /api/v1/alliances/<alliance_slug>/claims/.

- `claims/` list (the claims one may see, filters of the claim pages: `program`, `period`, `status`,
  `enterprise`, `has_errors`, `q`) and retrieve (with the lines one may see); create (an enterprise's
  representative: `{program, period}` → 201, or 200 with the existing claim of that program and period).
- `claims/{id}/submit/`: 200 with the claim, also when it was submitted already (idempotent: a retry never makes a
  second claim or a second transition); 400 `checks_failed` with the findings that stop it; 409 when the claim is
  not in a state that can be submitted (decided, or a draft after the claim deadline).
- `claims/{id}/check/`: run the compliance checks; every finding with its line, code, severity and message.
- `claims/{id}/payment/`: the account to pay into (the number is write-only; answers show it masked).
- `claims/{id}/lines/` list and create; `claims/{id}/lines/bulk/` creates many, all or nothing, with per-row
  errors; `claims/{id}/lines/{claimline_id}/` read, update (PATCH), delete; `…/reveal/` the full resident ID
  number (secretariat, audited).
- `claims/{id}/documents/` list and upload (PDF/JPEG/PNG, checked by content); `documents/{claimdocument_id}/`
  delete.

Resident ID numbers are write-only: answers carry `resident_id_masked`. A line of an order-class employment claim
names `order_class` (one of the claiming enterprise's order or named classes; its school becomes the line's). Every
line's `problems` and every finding's `message` are rendered in the language of the request (the language cookie),
whatever language the check ran in. Errors: 400 `invalid` for bad input, 409 `conflict` when the claim's state does
not allow the step.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.errors import Conflict, ErrorSerializer, error_response
from alliances.audit import record_event
from alliances.permissions import Action
from alliances.personal_data import decrypt
from events.models import CooperationRecord
from members.models import MemberKind, MemberUnit

from ..filters import ClaimFilter
from ..findings import displayed
from ..imports import MAX_LINES
from ..models import (
    Claim,
    ClaimDocument,
    ClaimLine,
    LineReview,
    Period,
    Program,
    SchoolDecision,
    SpecialtyLevelAward,
)
from ..services import claims as services
from ..workflow import TransitionRefused

# --- errors ------------------------------------------------------------------------------------------------------


INVALID = OpenApiResponse(
    ErrorSerializer, description=gettext_lazy("Invalid input: `details` has the errors.")
)
CONFLICT = OpenApiResponse(
    ErrorSerializer, description=gettext_lazy("The claim's state does not allow the step (`conflict`).")
)
CHECKS_FAILED = OpenApiResponse(
    ErrorSerializer,
    description=gettext_lazy(
        "`checks_failed`: nothing was submitted; `details.findings` lists the errors to correct "
        "(line, line_id, code, severity, message)."
    ),
)
ROWS_REFUSED = OpenApiResponse(
    ErrorSerializer,
    description=gettext_lazy(
        "Nothing was added: `details.rows` lists each row's errors (row from 1, field, message)."
    ),
)


def run_service(call):
    """A step the claim's state does not allow becomes 409; bad input stays 400 (the API's error format)."""
    try:
        return call()
    except TransitionRefused as exc:
        raise Conflict(str(exc)) from exc


# --- serializers ---------------------------------------------------------------------------------------------------


class ShownFindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField(
        help_text="In the language of the request (the language cookie; Chinese by default), whatever language "
        "the check ran in."
    )


@extend_schema_field(ShownFindingSerializer(many=True))
class FindingsField(serializers.ReadOnlyField):
    """A line's stored findings as shown now: each message rendered in the language of the request."""

    def to_representation(self, value):
        return displayed(value)


class ClaimLineSerializer(serializers.ModelSerializer):
    """A line as the API shows it: the resident ID number masked."""

    school_name = serializers.CharField(source="school.name", read_only=True, default="")
    order_class_name = serializers.SerializerMethodField()
    problems = FindingsField(
        help_text='Findings of the last check: [{"code", "severity": "error|warning", "message"}], each message '
        "in the language of the request.",
    )

    class Meta:
        model = ClaimLine
        fields = [
            "id", "position", "student_name", "resident_id_masked", "birth_date", "school", "school_name",
            "order_class", "order_class_name", "specialty", "post", "starts_on", "ends_on", "agreement_number",
            "insurance_policy_number", "monthly_pay", "award_level", "problems", "has_errors", "school_decision",
            "school_note", "review", "review_reason", "revision",
        ]  # fmt: skip
        read_only_fields = fields

    def get_order_class_name(self, line) -> str:
        record = line.order_class if line.order_class_id else None
        return record.class_label if record is not None else ""


class ClaimDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ClaimDocument
        fields = ["id", "title", "content_type", "size", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        request = self.context.get("request")
        url = reverse(
            "claim-document-download",
            kwargs={"alliance_slug": request.alliance.slug, "claim_id": document.claim_id,
                    "claimdocument_id": document.pk},
        )  # fmt: skip
        return request.build_absolute_uri(url)


class ClaimSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    period_name = serializers.CharField(source="period.name", read_only=True)
    claim_deadline = serializers.DateField(source="period.claim_deadline", read_only=True)
    line_total = serializers.IntegerField(read_only=True)
    lines_with_errors = serializers.IntegerField(read_only=True)
    lines_approved = serializers.IntegerField(read_only=True)
    lines_school_waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "number", "status", "revision", "enterprise", "enterprise_name", "program", "program_name",
            "period", "period_name", "claim_deadline", "program_version", "payee_name", "bank_name",
            "bank_account_masked", "created_at", "submitted_at", "first_submitted_at", "decided_at", "line_total",
            "lines_with_errors", "lines_approved", "lines_school_waiting",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, claim):
        data = super().to_representation(claim)
        staff, unit_id = self.context.get("staff", False), self.context.get("unit_id")
        if (
            not staff and claim.enterprise_id != unit_id
        ):  # the account: the enterprise's and the secretariat's
            for name in ("payee_name", "bank_name", "bank_account_masked"):
                data[name] = ""
        return data


class ClaimDetailSerializer(ClaimSerializer):
    lines = ClaimLineSerializer(source="visible_lines", many=True, read_only=True)
    documents = ClaimDocumentSerializer(source="visible_documents", many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "review_note", "lines", "documents"]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    period = serializers.PrimaryKeyRelatedField(queryset=Period.objects.all())


class PreloadedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that, in a bulk request, is matched against the objects the view loaded for every row at once
    (`context["preloaded"][field name]`: {pk: object}, from this field's own queryset): no query per row."""

    def to_internal_value(self, data):
        preloaded = self.context.get("preloaded", {}).get(self.field_name)
        if preloaded is None:
            return super().to_internal_value(data)
        pk = related_id(data)
        if pk is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if pk not in preloaded:
            self.fail("does_not_exist", pk_value=data)
        return preloaded[pk]


def related_id(value) -> int | None:
    """An id as a bulk row may give it (a number or a numeric string), or None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@extend_schema_field(OpenApiTypes.INT)
class OrderClassField(PreloadedPrimaryKeyRelatedField):
    """An order or named class of the claiming enterprise (the serializer's context has the claim)."""

    def get_queryset(self):
        claim = self.context.get("claim")
        if claim is None:
            return CooperationRecord.objects.none()
        return services.enterprise_order_classes(claim.enterprise_id)


class ClaimLineInputSerializer(serializers.Serializer):
    """A line's values. `resident_id` (write-only) is required for a new line; in an update, leave it out (or
    empty) to keep the stored number. A line of an order-class employment claim names its graduate's class
    (`order_class`, one of the enterprise's order or named classes); its school is the class's."""

    student_name = serializers.CharField(max_length=50)
    resident_id = serializers.CharField(max_length=30, write_only=True, allow_blank=True)
    school = PreloadedPrimaryKeyRelatedField(
        queryset=MemberUnit.objects.filter(kind__in=MemberKind.school_kinds()),
        allow_null=True,
        required=False,
    )
    order_class = OrderClassField(
        allow_null=True, required=False,
        help_text="Order-class employment claims: id of one of the enterprise's order or named classes "
        "(cooperation records); the line's school is the class's.",
    )  # fmt: skip
    specialty = serializers.CharField(max_length=60, allow_blank=True, required=False)
    post = serializers.CharField(max_length=60, allow_blank=True, required=False)
    starts_on = serializers.DateField(allow_null=True, required=False)
    ends_on = serializers.DateField(allow_null=True, required=False)
    agreement_number = serializers.CharField(max_length=60, allow_blank=True, required=False)
    insurance_policy_number = serializers.CharField(max_length=60, allow_blank=True, required=False)
    monthly_pay = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    award_level = serializers.ChoiceField(
        choices=SpecialtyLevelAward.choices, allow_blank=True, required=False
    )


def preload_related(claim: Claim, rows: list[dict]) -> dict:
    """The schools and order classes the rows of a bulk request name, one query each, from the fields' own
    querysets (so what a single line may not name, no row may)."""
    fields = ClaimLineInputSerializer(context={"claim": claim}).fields
    preloaded = {}
    for name in ("school", "order_class"):
        ids = {related_id(row.get(name)) for row in rows} - {None}
        objects = fields[name].get_queryset().filter(pk__in=ids) if ids else []
        preloaded[name] = {obj.pk: obj for obj in objects}
    return preloaded


class BulkLinesSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=MAX_LINES,
        help_text="Line values as for creating one line; all are added or none.",
    )  # fmt: skip


class BulkLinesResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    lines = ClaimLineSerializer(many=True)


class ClaimPaymentSerializer(serializers.Serializer):
    payee_name = serializers.CharField(max_length=200)
    bank_name = serializers.CharField(max_length=100)
    bank_account = serializers.CharField(
        max_length=40, write_only=True, required=False, allow_blank=True,
        help_text="8 to 30 digits; leave out to keep the stored number. Answers show it masked.",
    )  # fmt: skip


class ClaimDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class FindingSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True, help_text="The line's position; null for the whole claim."
    )
    line_id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()


class CheckResultSerializer(serializers.Serializer):
    can_submit = serializers.BooleanField(help_text="No error stops the submission (the account included).")
    errors = serializers.IntegerField()
    warnings = serializers.IntegerField()
    lines = serializers.IntegerField()
    lines_with_errors = serializers.IntegerField()
    blocking = FindingSerializer(many=True, help_text="The errors that stop the submission.")
    findings = FindingSerializer(many=True, help_text="Every finding, errors and warnings.")


class RevealSerializer(serializers.Serializer):
    resident_id = serializers.CharField()


LINE_ID = OpenApiParameter("claimline_id", int, OpenApiParameter.PATH, description="Id of the line")
DOCUMENT_ID = OpenApiParameter(
    "claimdocument_id", int, OpenApiParameter.PATH, description="Id of the document"
)


def _values(validated: dict) -> dict:
    return {name: value for name, value in validated.items() if name in services.LINE_FIELDS}


# --- the viewset ---------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Claims I may see, with line counts")),
    retrieve=extend_schema(
        summary=gettext_lazy("A claim with its lines (resident ID numbers masked) and documents")
    ),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    lookup_url_kwarg = "claim_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["created_at", "submitted_at", "number", "status"]
    required_action = Action.VIEW_SUBSIDIES
    # The enterprise's own steps; the others (list, retrieve, lines, line, documents) need VIEW_SUBSIDIES.
    ENTERPRISE_ACTIONS = (
        "create", "submit", "check", "payment", "create_line", "bulk_lines", "update_line", "delete_line",
        "upload_document", "delete_document",
    )  # fmt: skip
    required_actions = {
        **dict.fromkeys(ENTERPRISE_ACTIONS, Action.SUBMIT_CLAIMS),
        "reveal_line": Action.REVEAL_PERSONAL_DATA,
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is built without a request
            return Claim.objects.none()
        membership = self.membership
        if self.action in self.ENTERPRISE_ACTIONS:
            queryset = Claim.objects.filter(enterprise_id=membership.member_unit_id)
        elif self.action == "reveal_line":
            queryset = Claim.objects.all()
        else:
            queryset = services.visible_claims(membership)
        queryset = queryset.select_related("program", "period", "enterprise").annotate(
            line_total=Count("lines"),
            lines_with_errors=Count("lines", filter=Q(lines__has_errors=True)),
            lines_approved=Count("lines", filter=Q(lines__review=LineReview.APPROVED)),
            lines_school_waiting=Count(
                "lines", filter=Q(lines__school__isnull=False, lines__school_decision=SchoolDecision.PENDING)
            ),
        )
        return queryset.order_by("-created_at", "-pk")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ClaimDetailSerializer
        return super().get_serializer_class()

    def viewer_context(self) -> dict:
        membership = self.membership
        return {
            **self.get_serializer_context(), "staff": membership.can(Action.REVIEW_CLAIMS),
            "unit_id": membership.member_unit_id if membership.can(Action.SUBMIT_CLAIMS) else None,
        }  # fmt: skip

    def viewer_of(self, claim: Claim) -> str:
        viewer = services.claim_viewer(self.membership, claim)
        if viewer is None:
            raise exceptions.NotFound()
        return viewer

    def detail_data(self, claim_id: int, http_status=status.HTTP_200_OK) -> Response:
        claim = self.get_queryset().get(pk=claim_id)
        viewer = self.viewer_of(claim)
        lines = (
            ClaimLine.objects.filter(claim=claim)
            .select_related("school", "order_class")
            .order_by("position", "pk")
        )
        if viewer == "school":
            lines = lines.filter(school_id=self.membership.member_unit_id)
        claim.visible_lines = list(lines)
        claim.visible_documents = (
            [] if viewer == "school" else list(ClaimDocument.objects.filter(claim=claim).order_by("pk"))
        )
        return Response(ClaimDetailSerializer(claim, context=self.viewer_context()).data, status=http_status)

    def retrieve(self, request, *args, **kwargs):
        return self.detail_data(self.get_object().pk)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = ClaimSerializer(
            page if page is not None else queryset, many=True, context=self.viewer_context()
        )
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)

    # --- opening, account, checks, submission ------------------------------------------------------------------

    @extend_schema(
        request=ClaimCreateSerializer,
        responses={201: ClaimDetailSerializer, 200: ClaimDetailSerializer, 400: INVALID},
        summary=gettext_lazy("Open my enterprise's claim for a program and period (or get the existing one)"),
    )
    def create(self, request, *args, **kwargs):
        serializer = ClaimCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = MemberUnit.objects.filter(pk=self.membership.member_unit_id).first()
        if enterprise is None:
            raise exceptions.PermissionDenied()
        data = serializer.validated_data
        claim = services.create_claim(enterprise, data["program"], data["period"], actor=request.user)
        return self.detail_data(
            claim.pk, status.HTTP_201_CREATED if claim.was_created else status.HTTP_200_OK
        )

    @extend_schema(
        request=ClaimPaymentSerializer, responses={200: ClaimDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=gettext_lazy("Set the account the subsidy is paid into"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=ClaimPaymentSerializer, filter_backends=[])
    def payment(self, request, *args, **kwargs):
        claim = self.get_object()
        serializer = ClaimPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run_service(lambda: services.update_claim_payment(
            claim, data["payee_name"], data["bank_name"], data.get("bank_account"), actor=request.user
        ))  # fmt: skip
        return self.detail_data(claim.pk)

    def _findings(self, claim: Claim, summary) -> tuple[list[dict], list[dict]]:
        positions = dict(ClaimLine.objects.filter(claim=claim).values_list("pk", "position"))
        every = [{"line": None, "line_id": None, **f.as_dict()} for f in summary.claim_findings]
        for pk, items in (summary.findings or {}).items():
            if pk and pk in positions:
                every.extend({"line": positions[pk], "line_id": pk, **f.as_dict()} for f in items)
        every.sort(key=lambda item: (item["line"] or 0, item["severity"], item["code"]))
        blocking = services._payment_findings(claim) + services.blocking_findings(claim, summary)
        return blocking, every

    @extend_schema(
        request=None, responses={200: CheckResultSerializer},
        summary=gettext_lazy("Run the compliance checks and store each line's findings"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=serializers.Serializer, filter_backends=[])
    def check(self, request, *args, **kwargs):
        """Checks any claim of my enterprise; the findings are stored on the lines only while it can be changed."""
        claim = self.get_object()
        if claim.status in services.EDITABLE_CLAIM_STATUSES:
            summary = services.check_claim_now(claim)
        else:
            from ..checks import check_claim, summarise

            summary = summarise(check_claim(claim))
        blocking, every = self._findings(claim, summary)
        data = {
            "can_submit": not blocking, "errors": summary.errors, "warnings": summary.warnings,
            "lines": summary.lines, "lines_with_errors": summary.lines_with_errors, "blocking": blocking,
            "findings": every,
        }  # fmt: skip
        return Response(CheckResultSerializer(data).data)

    @extend_schema(
        request=None,
        responses={200: ClaimDetailSerializer, 400: CHECKS_FAILED, 409: CONFLICT},
        summary=gettext_lazy("Submit the claim (idempotent)"),
    )
    @action(detail=True, methods=["post"], serializer_class=serializers.Serializer, filter_backends=[])
    def submit(self, request, *args, **kwargs):
        """Draft or returned → submitted → school confirmation. A claim submitted already answers 200 unchanged."""
        claim = self.get_object()
        try:
            run_service(lambda: services.submit_claim(claim, actor=request.user))
        except services.SubmissionRefused as exc:
            summary = exc.summary
            details = {
                "findings": exc.findings, "errors": len(exc.findings),
                "warnings": summary.warnings if summary is not None else 0,
            }  # fmt: skip
            return error_response("checks_failed", exc.messages[0], details)
        return self.detail_data(claim.pk)

    # --- lines ------------------------------------------------------------------------------------------------

    @extend_schema(
        responses={200: ClaimLineSerializer(many=True)},
        summary=gettext_lazy("Lines of the claim (a school sees its own students)"),
    )
    @action(detail=True, methods=["get"], serializer_class=ClaimLineSerializer, filter_backends=[])
    def lines(self, request, *args, **kwargs):
        claim = self.get_object()
        viewer = self.viewer_of(claim)
        lines = (
            ClaimLine.objects.filter(claim=claim)
            .select_related("school", "order_class")
            .order_by("position", "pk")
        )
        if viewer == "school":
            lines = lines.filter(school_id=self.membership.member_unit_id)
        page = self.paginate_queryset(lines)
        if page is not None:
            return self.get_paginated_response(ClaimLineSerializer(page, many=True).data)
        return Response(ClaimLineSerializer(lines, many=True).data)

    @extend_schema(
        request=ClaimLineInputSerializer, responses={201: ClaimLineSerializer, 400: INVALID, 409: CONFLICT},
        summary=gettext_lazy("Add a line"),
    )  # fmt: skip
    @lines.mapping.post
    def create_line(self, request, *args, **kwargs):
        claim = self.get_object()
        serializer = ClaimLineInputSerializer(data=request.data, context={"claim": claim})
        serializer.is_valid(raise_exception=True)
        line = run_service(
            lambda: services.add_claim_line(claim, _values(serializer.validated_data), request.user)
        )
        return Response(ClaimLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BulkLinesSerializer,
        responses={201: BulkLinesResultSerializer, 400: ROWS_REFUSED, 409: CONFLICT},
        summary=gettext_lazy("Add many lines at once, all or nothing"),
    )
    @action(detail=True, methods=["post"], url_path="lines/bulk", serializer_class=BulkLinesSerializer,
            filter_backends=[], parser_classes=[JSONParser])  # fmt: skip
    def bulk_lines(self, request, *args, **kwargs):
        """Every row is checked (as for one line, and the same student twice or already on the claim); when any
        row is wrong nothing is added and `details.rows` lists the errors: {row (from 1), field, message}."""
        claim = self.get_object()
        serializer = BulkLinesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows, errors = [], []
        context = {"claim": claim, "preloaded": preload_related(claim, serializer.validated_data["lines"])}
        for number, row in enumerate(serializer.validated_data["lines"], start=1):
            item = ClaimLineInputSerializer(data=row, context=context)
            if item.is_valid():
                rows.append(_values(item.validated_data))
                continue
            for name, messages in item.errors.items():
                errors.extend({"row": number, "field": name, "message": str(m)} for m in messages)
            rows.append(None)
        if errors:
            return error_response("invalid", _("Nothing was added: %(count)d problems were found.")
                                  % {"count": len(errors)}, {"rows": errors, "error_count": len(errors)})  # fmt: skip
        try:
            lines = run_service(lambda: services.add_lines_in_bulk(claim, rows, actor=request.user))
        except services.BulkLinesRefused as exc:
            return error_response(
                "invalid", exc.messages[0], {"rows": exc.errors, "error_count": len(exc.errors)}
            )
        return Response(
            {"created": len(lines), "lines": ClaimLineSerializer(lines, many=True).data},
            status=status.HTTP_201_CREATED,
        )

    def _line(self, claim: Claim) -> ClaimLine:
        line = ClaimLine.objects.filter(claim=claim, pk=self.kwargs.get("claimline_id")).select_related(
            "school", "order_class"
        )
        line = line.first()
        if line is None:
            raise exceptions.NotFound()
        return line

    @extend_schema(
        parameters=[LINE_ID], responses={200: ClaimLineSerializer}, summary=gettext_lazy("One line")
    )
    @action(detail=True, methods=["get"], url_path=r"lines/(?P<claimline_id>[0-9]+)",
            serializer_class=ClaimLineSerializer, filter_backends=[])  # fmt: skip
    def line(self, request, *args, **kwargs):
        claim = self.get_object()
        viewer = self.viewer_of(claim)
        line = self._line(claim)
        if viewer == "school" and line.school_id != self.membership.member_unit_id:
            raise exceptions.NotFound()
        return Response(ClaimLineSerializer(line).data)

    @extend_schema(
        parameters=[LINE_ID], request=ClaimLineInputSerializer,
        responses={200: ClaimLineSerializer, 400: INVALID, 409: CONFLICT},
        summary=gettext_lazy("Change a line (the values given)"),
    )  # fmt: skip
    @line.mapping.patch
    def update_line(self, request, *args, **kwargs):
        claim = self.get_object()
        line = self._line(claim)
        serializer = ClaimLineInputSerializer(data=request.data, partial=True, context={"claim": claim})
        serializer.is_valid(raise_exception=True)
        fresh = run_service(
            lambda: services.update_claim_line(line, _values(serializer.validated_data), request.user)
        )
        return Response(ClaimLineSerializer(fresh).data)

    @extend_schema(parameters=[LINE_ID], request=None, responses={204: None, 409: CONFLICT},
                   summary=gettext_lazy("Remove a line"))  # fmt: skip
    @line.mapping.delete
    def delete_line(self, request, *args, **kwargs):
        claim = self.get_object()
        line = self._line(claim)
        run_service(lambda: services.remove_claim_line(line, actor=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[LINE_ID], request=None, responses={200: RevealSerializer},
        summary=gettext_lazy("The full resident ID number of a line (audited)"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path=r"lines/(?P<claimline_id>[0-9]+)/reveal",
            serializer_class=serializers.Serializer, filter_backends=[])  # fmt: skip
    def reveal_line(self, request, *args, **kwargs):
        claim = self.get_object()
        line = self._line(claim)
        number = decrypt(line.resident_id_encrypted)
        record_event(
            "subsidies.line.revealed", line,
            detail={"claim": claim.number, "position": line.position, "field": "resident_id", "via": "api"},
            user=request.user,
        )  # fmt: skip
        response = Response({"resident_id": number})
        response["Cache-Control"] = "no-store"
        return response

    # --- documents ----------------------------------------------------------------------------------------------

    @extend_schema(
        responses={200: ClaimDocumentSerializer(many=True)}, summary=gettext_lazy("Documents of the claim")
    )
    @action(detail=True, methods=["get"], serializer_class=ClaimDocumentSerializer, filter_backends=[],
            pagination_class=None, parser_classes=[MultiPartParser, FormParser, JSONParser])  # fmt: skip
    def documents(self, request, *args, **kwargs):
        claim = self.get_object()
        if self.viewer_of(claim) == "school":
            raise exceptions.NotFound()
        documents = ClaimDocument.objects.filter(claim=claim).order_by("pk")
        return Response(
            ClaimDocumentSerializer(documents, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request={"multipart/form-data": ClaimDocumentUploadSerializer},
        responses={201: ClaimDocumentSerializer, 400: INVALID, 409: CONFLICT},
        summary=gettext_lazy("Attach a document (PDF, JPEG or PNG, checked by content, at most 10 MB)"),
    )
    @documents.mapping.post
    def upload_document(self, request, *args, **kwargs):
        claim = self.get_object()
        serializer = ClaimDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = run_service(
            lambda: services.attach_claim_document(
                claim, data["file"], data.get("title", ""), actor=request.user
            )
        )
        return Response(
            ClaimDocumentSerializer(document, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(parameters=[DOCUMENT_ID], request=None, responses={204: None, 409: CONFLICT},
                   summary=gettext_lazy("Remove a document"))  # fmt: skip
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<claimdocument_id>[0-9]+)",
            serializer_class=serializers.Serializer, filter_backends=[])  # fmt: skip
    def delete_document(self, request, *args, **kwargs):
        claim = self.get_object()
        document = ClaimDocument.objects.filter(claim=claim, pk=kwargs.get("claimdocument_id")).first()
        if document is None:
            raise exceptions.NotFound()
        run_service(lambda: services.remove_claim_document(document, actor=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
