"""School confirmations and the secretariat's review, under /api/v1/alliances/<alliance_slug>/.

- `school-confirmations/` (schools' representatives): the lines of my school waiting for its decision;
  `decide/` confirms or denies several of them, `confirm-all/` confirms every waiting student on a claim.
- `claim-reviews/` (secretariat): the review queue (filters `program`, `period`, `status`, `q`), one claim with
  its lines, findings, school decisions and history; `lines/` decides lines in bulk (each with the `revision`
  the reviewer saw), `approve-clean/` approves every line without findings, `decide/` decides the claim.

Errors: 400 (`invalid`) for bad input; 409 (`conflict`) when the claim's state does not allow the step, or when a
line (or the claim) changed since the caller read it (`stale`): nothing was changed, read it again.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.errors import Conflict, ErrorSerializer
from alliances.permissions import Action

from ..forms.review import ReviewQueueFilter
from ..models import Claim, ClaimLine, ClaimStatus, ClaimTransition, LineReview, SchoolDecision
from ..services import review as services
from ..workflow import TransitionRefused
from .claims import FindingsField

# --- errors ------------------------------------------------------------------------------------------------


class Stale(Conflict):
    default_detail = _("Changed by someone else since you read it: read it again.")
    default_code = "stale"


INVALID = OpenApiResponse(ErrorSerializer, description=_("Invalid input: `details` has the errors."))
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_("`conflict`: the claim's state does not allow the step; `stale`: changed since read."),
)


def run_service(call):
    """A refused transition becomes 409 (`stale` when data changed meanwhile); bad input stays 400."""
    try:
        return call()
    except services.StaleRevision as exc:
        raise Stale(str(exc)) from exc
    except TransitionRefused as exc:
        raise Conflict(str(exc)) from exc


# --- output ------------------------------------------------------------------------------------------------


class SchoolLineSerializer(serializers.ModelSerializer):
    """A student of my school on a claim, as the school sees it (the resident ID number masked)."""

    claim_number = serializers.CharField(source="claim.number", read_only=True)
    claim_status = serializers.CharField(source="claim.status", read_only=True)
    enterprise = serializers.IntegerField(source="claim.enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="claim.enterprise.name", read_only=True)
    program_name = serializers.CharField(source="claim.program.name", read_only=True)
    period_name = serializers.CharField(source="claim.period.name", read_only=True)

    class Meta:
        model = ClaimLine
        fields = [
            "id", "claim", "claim_number", "claim_status", "enterprise", "enterprise_name", "program_name",
            "period_name", "position", "student_name", "resident_id_masked", "specialty", "post", "starts_on",
            "ends_on", "agreement_number", "school_decision", "school_note", "school_decided_at", "revision",
        ]  # fmt: skip
        read_only_fields = fields


class ReviewLineSerializer(serializers.ModelSerializer):
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
            "school_note", "school_decided_at", "review", "review_reason", "reviewed_at", "reviewed_by", "revision",
        ]  # fmt: skip
        read_only_fields = fields

    def get_order_class_name(self, line) -> str:
        record = line.order_class if line.order_class_id else None
        return record.class_label if record is not None else ""


class ClaimTransitionSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ClaimTransition
        fields = ["id", "from_status", "to_status", "reason", "actor", "actor_name", "at"]
        read_only_fields = fields

    def get_actor_name(self, transition) -> str:
        actor = transition.actor
        return (actor.name or actor.username) if actor else ""


class ReviewClaimSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    period_name = serializers.CharField(source="period.name", read_only=True)
    line_total = serializers.IntegerField(read_only=True)
    lines_pending = serializers.IntegerField(read_only=True)
    lines_approved = serializers.IntegerField(read_only=True)
    lines_rejected = serializers.IntegerField(read_only=True)
    lines_returned = serializers.IntegerField(read_only=True)
    lines_with_errors = serializers.IntegerField(read_only=True)
    lines_school_waiting = serializers.IntegerField(read_only=True)
    lines_school_denied = serializers.IntegerField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "number", "status", "revision", "enterprise", "enterprise_name", "program", "program_name",
            "period", "period_name", "program_version", "submitted_at", "first_submitted_at", "decided_at",
            "review_note", "line_total", "lines_pending", "lines_approved", "lines_rejected", "lines_returned",
            "lines_with_errors", "lines_school_waiting", "lines_school_denied",
        ]  # fmt: skip
        read_only_fields = fields


class ReviewClaimDetailSerializer(ReviewClaimSerializer):
    lines = ReviewLineSerializer(many=True, read_only=True)
    transitions = ClaimTransitionSerializer(many=True, read_only=True)

    class Meta(ReviewClaimSerializer.Meta):
        fields = [
            *ReviewClaimSerializer.Meta.fields,
            "bank_account_masked",
            "payee_name",
            "lines",
            "transitions",
        ]
        read_only_fields = fields


class SchoolDecisionResultSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField()
    denied = serializers.IntegerField()
    moved_to_review = serializers.BooleanField(
        help_text="Every school has decided: the claim is under review now."
    )
    claim_status = serializers.ChoiceField(choices=ClaimStatus.choices)


class LineDecisionsResultSerializer(serializers.Serializer):
    lines = ReviewLineSerializer(many=True)


class ApproveCleanResultSerializer(serializers.Serializer):
    approved = serializers.IntegerField()


# --- input -------------------------------------------------------------------------------------------------


class SchoolDecisionItemSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=[SchoolDecision.CONFIRMED, SchoolDecision.DENIED])
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default="",
        help_text="Required when the decision is `denied`.",
    )  # fmt: skip

    def validate(self, data):
        if data["decision"] == SchoolDecision.DENIED and not data["note"].strip():
            raise serializers.ValidationError({"note": _("Say why the student is denied.")})
        return data


class SchoolDecisionsSerializer(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1)
    decisions = SchoolDecisionItemSerializer(many=True, allow_empty=False)

    def validate_decisions(self, items):
        lines = [item["line"] for item in items]
        if len(set(lines)) != len(lines):
            raise serializers.ValidationError(_("A line appears more than once."))
        return items


class ConfirmAllSerializer(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1)


class LineDecisionItemSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1)
    review = serializers.ChoiceField(choices=[LineReview.APPROVED, LineReview.REJECTED, LineReview.RETURNED])
    reason = serializers.CharField(
        max_length=services.REASON_MAX, required=False, allow_blank=True, default="",
        help_text="Required to reject or return a line.",
    )  # fmt: skip
    revision = serializers.IntegerField(min_value=1, help_text="The line's `revision` as you read it.")

    def validate(self, data):
        if data["review"] != LineReview.APPROVED and not data["reason"].strip():
            raise serializers.ValidationError({"reason": _("Give a reason to reject or return a line.")})
        return data


class LineDecisionsSerializer(serializers.Serializer):
    decisions = LineDecisionItemSerializer(many=True, allow_empty=False)

    def validate_decisions(self, items):
        lines = [item["line"] for item in items]
        if len(set(lines)) != len(lines):
            raise serializers.ValidationError(_("A line appears more than once."))
        return items


class ClaimDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.ClaimDecision.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject the claim."
    )
    revision = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="Optional: the claim's `revision` as you read it; a different one answers 409 `stale`.",
    )  # fmt: skip

    def validate(self, data):
        if data["decision"] == services.ClaimDecision.REJECT and not data["reason"].strip():
            raise serializers.ValidationError({"reason": _("Say why the claim is rejected.")})
        return data


# --- school confirmations ----------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary=_("Students of my school waiting for its decision")))
class SchoolConfirmationViewSet(mixins.ListModelMixin, AllianceModelViewSet):
    """Lines naming the representative's school on claims that wait for schools. `?claim=<id>` narrows to one
    claim; `?decision=confirmed|denied|pending` shows those decisions instead of the waiting ones."""

    serializer_class = SchoolLineSerializer
    required_action = Action.CONFIRM_STUDENTS
    filter_backends = []

    def get_queryset(self):
        queryset = (
            ClaimLine.objects.filter(
                school_id=self.membership.member_unit_id, claim__status=ClaimStatus.SCHOOL_CONFIRMATION
            )
            .select_related("claim__enterprise", "claim__program", "claim__period")
            .order_by("claim__submitted_at", "claim_id", "position", "pk")
        )
        params = self.request.query_params
        decision = params.get("decision") or SchoolDecision.PENDING
        if decision not in SchoolDecision.values:
            raise exceptions.ValidationError({"decision": [_("Choose pending, confirmed or denied.")]})
        queryset = queryset.filter(school_decision=decision)
        if params.get("claim"):
            if not params["claim"].isdigit():
                raise exceptions.ValidationError({"claim": [_("A claim id is a number.")]})
            queryset = queryset.filter(claim_id=int(params["claim"]))
        return queryset

    def _claim_with_my_students(self, claim_id: int) -> Claim:
        claim = Claim.objects.filter(pk=claim_id).exclude(status=ClaimStatus.DRAFT).first()
        if (
            claim is None
            or not ClaimLine.objects.filter(claim=claim, school_id=self.membership.member_unit_id).exists()
        ):
            raise exceptions.NotFound()
        return claim

    def _result(self, claim: Claim, result: services.SchoolDecisionResult) -> Response:
        data = {"confirmed": result.confirmed, "denied": result.denied, "moved_to_review": result.moved_to_review,
                "claim_status": claim.status}  # fmt: skip
        return Response(SchoolDecisionResultSerializer(data).data)

    @extend_schema(
        request=SchoolDecisionsSerializer,
        responses={200: SchoolDecisionResultSerializer, 400: INVALID, 404: None, 409: CONFLICT},
        summary=_("Confirm or deny students of my school on one claim"),
    )
    @action(detail=False, methods=["post"], serializer_class=SchoolDecisionsSerializer)
    def decide(self, request, *args, **kwargs):
        """All or nothing; a line that is not a student of my school on the claim refuses the request (400).
        When every school has decided, the claim moves on to review (`moved_to_review`)."""
        serializer = SchoolDecisionsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        claim = self._claim_with_my_students(data["claim"])
        decisions = {item["line"]: (item["decision"], item["note"]) for item in data["decisions"]}
        result = run_service(
            lambda: services.confirm_students(
                self.membership.member_unit_id, claim, decisions, actor=request.user
            )
        )
        return self._result(claim, result)

    @extend_schema(
        request=ConfirmAllSerializer,
        responses={200: SchoolDecisionResultSerializer, 400: INVALID, 404: None, 409: CONFLICT},
        summary=_("Confirm every waiting student of my school on one claim"),
    )
    @action(detail=False, methods=["post"], url_path="confirm-all", serializer_class=ConfirmAllSerializer)
    def confirm_all(self, request, *args, **kwargs):
        serializer = ConfirmAllSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = self._claim_with_my_students(serializer.validated_data["claim"])
        result = run_service(
            lambda: services.confirm_all_students(self.membership.member_unit_id, claim, actor=request.user)
        )
        return self._result(claim, result)


# --- secretariat review ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Claims to review, with line counts")),
    retrieve=extend_schema(summary=_("A claim with its lines, findings, school decisions and history")),
)
class ClaimReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = ReviewClaimSerializer
    filterset_class = ReviewQueueFilter
    required_action = Action.REVIEW_CLAIMS
    lookup_url_kwarg = "claim_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["submitted_at", "number", "status"]

    def get_queryset(self):
        queryset = services.queue_queryset()
        if self.action == "retrieve":
            from django.db.models import Prefetch

            queryset = queryset.prefetch_related(
                Prefetch(
                    "lines",
                    queryset=ClaimLine.objects.select_related("school", "order_class").order_by(
                        "position", "pk"
                    ),
                ),
                Prefetch(
                    "transitions",
                    queryset=ClaimTransition.objects.select_related("actor").order_by("at", "pk"),
                ),
            )
        return queryset

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ReviewClaimDetailSerializer
        return super().get_serializer_class()

    def _lines(self, claim: Claim, ids) -> list:
        lines = (
            ClaimLine.objects.filter(claim=claim, pk__in=ids)
            .select_related("school", "order_class")
            .order_by("position", "pk")
        )
        return ReviewLineSerializer(lines, many=True).data

    @extend_schema(
        request=LineDecisionsSerializer,
        responses={200: LineDecisionsResultSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Decide lines (approve, reject or return), each with the revision you read"),
    )
    @action(detail=True, methods=["post"], serializer_class=LineDecisionsSerializer)
    def lines(self, request, *args, **kwargs):
        """All or nothing. A line whose `revision` differs from the one given answers 409 `stale` and nothing
        changes; a line denied by its school or with error findings cannot be approved (400)."""
        claim = self.get_object()
        serializer = LineDecisionsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decisions = {
            item["line"]: (item["review"], item["reason"], item["revision"])
            for item in serializer.validated_data["decisions"]
        }
        run_service(lambda: services.review_lines(claim, decisions, actor=request.user))
        return Response({"lines": self._lines(claim, decisions)})

    @extend_schema(
        request=None,
        responses={200: ApproveCleanResultSerializer, 409: CONFLICT},
        summary=_("Approve every line without findings"),
    )
    @action(detail=True, methods=["post"], url_path="approve-clean", serializer_class=serializers.Serializer)
    def approve_clean(self, request, *args, **kwargs):
        """Lines not yet reviewed, without any finding, confirmed by their school (or naming none)."""
        claim = self.get_object()
        count = run_service(lambda: services.approve_clean_lines(claim, actor=request.user))
        return Response({"approved": count})

    @extend_schema(
        request=ClaimDecideSerializer,
        responses={200: ReviewClaimDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Approve, return or reject the claim"),
    )
    @action(detail=True, methods=["post"], serializer_class=ClaimDecideSerializer)
    def decide(self, request, *args, **kwargs):
        """`approve` needs every line approved or rejected and at least one approved; `return` needs a returned
        line; `reject` needs a reason."""
        claim = self.get_object()
        serializer = ClaimDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run_service(
            lambda: services.decide_claim(
                claim,
                data["decision"],
                data["reason"],
                actor=request.user,
                expected_revision=data["revision"],
            )
        )
        self.action = "retrieve"
        fresh = self.get_queryset().get(pk=claim.pk)
        return Response(ReviewClaimDetailSerializer(fresh).data)
